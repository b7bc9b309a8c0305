import { describe, expect, it } from 'vitest';
import { relativeTime } from '../../lib/publish/html.js';

const now = new Date('2026-12-01T12:00:00Z');
const at = (ms: number): Date => new Date(now.getTime() + ms);
const H = 3_600_000;
const D = 24 * H;

describe('relative dates on the status page', () => {
  it.each([
    [30_000, 'in less than a minute'],
    [-30_000, 'expired less than a minute ago'],
    [60_000, 'in 1 minute'],
    [90 * 60_000, 'in 90 minutes'],
    [2 * H, 'in 2 hours'],
    [36 * H, 'in 36 hours'],
    [-36 * H, 'expired 36 hours ago'],
    [3 * D, 'in 3 days'],
    [-2 * D, 'expired 2 days ago'],
    [59 * D, 'in 59 days'],
    [90 * D, 'in 3 months'],
    [365 * D, 'in 12 months'],
    [-730 * D, 'expired 2 years ago'],
    [1826 * D, 'in 5 years'],
  ])('%d ms from now reads %j', (ms, text) => {
    expect(relativeTime(at(ms), now)).toBe(text);
  });
});
