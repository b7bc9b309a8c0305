import { describe, expect, it } from 'vitest';
import {
  OciError,
  formatReference,
  isLoopbackHost,
  isValidTag,
  parseReference,
  referrersTag,
  tagForName,
} from '../../lib/oci/index.js';

const DIGEST = `sha256:${'ab'.repeat(32)}`;

describe('parseReference', () => {
  it.each([
    ['127.0.0.1:5000/repo', { registry: '127.0.0.1:5000', repository: 'repo' }],
    ['localhost/a/b:v1.2', { registry: 'localhost', repository: 'a/b', tag: 'v1.2' }],
    [
      'ghcr.io/org/tuf-metadata:latest',
      { registry: 'ghcr.io', repository: 'org/tuf-metadata', tag: 'latest' },
    ],
    [
      `reg.example:443/x@${DIGEST}`,
      { registry: 'reg.example:443', repository: 'x', digest: DIGEST },
    ],
    [
      `[::1]:5000/x:t@${DIGEST}`,
      { registry: '[::1]:5000', repository: 'x', tag: 't', digest: DIGEST },
    ],
  ])('%s', (input, expected) => {
    expect(parseReference(input)).toEqual(expected);
    expect(formatReference(parseReference(input))).toBe(input);
  });

  it.each([
    ['repo:tag', /not a registry host|expected HOST/],
    ['library/ubuntu', /not a registry host/],
    ['ghcr.io/Org/x', /not a valid repository/],
    ['ghcr.io/x:.bad', /not a valid tag/],
    [`ghcr.io/x:${'a'.repeat(129)}`, /not a valid tag/],
    ['ghcr.io/x@sha256:abc', /not a sha256\/sha512 digest/],
    ['ghcr.io/', /not a valid repository/],
  ])('rejects %s', (input, message) => {
    expect(() => parseReference(input)).toThrow(OciError);
    expect(() => parseReference(input)).toThrow(message);
  });
});

describe('tags', () => {
  it('follows the tag grammar', () => {
    expect(isValidTag('a')).toBe(true);
    expect(isValidTag('_x.y-z')).toBe(true);
    expect(isValidTag('a'.repeat(128))).toBe(true);
    expect(isValidTag('a'.repeat(129))).toBe(false);
    expect(isValidTag('.a')).toBe(false);
    expect(isValidTag('-a')).toBe(false);
    expect(isValidTag('a/b')).toBe(false);
    expect(isValidTag('')).toBe(false);
  });

  it('names the referrers fallback tag sha256-<hex>', () => {
    expect(referrersTag(DIGEST)).toBe(`sha256-${'ab'.repeat(32)}`);
    expect(() => referrersTag('sha256:zz')).toThrow(OciError);
  });

  it('keeps role names that are valid tags', () => {
    for (const name of ['targets', 'foo.bar', 'team-a', 'A_b.c-d', 'latest'])
      expect(tagForName(name)).toBe(name);
  });

  it('maps other names to a valid tag with a hash suffix', () => {
    const cases = [
      'a/b',
      '.hidden',
      '-dash',
      'ünïcode',
      'sha256-abc',
      'x-0123456789abcdef',
      'a'.repeat(200),
      '',
    ];
    const tags = cases.map(tagForName);
    for (const tag of tags) {
      expect(isValidTag(tag)).toBe(true);
      expect(tag).toMatch(/-[0-9a-f]{16}$/);
      expect(tag.startsWith('sha256-')).toBe(false);
    }
    expect(new Set(tags).size).toBe(cases.length);
    expect(tags[0]).toMatch(/^a_b-[0-9a-f]{16}$/);
    expect(tags[1]).toMatch(/^_\.hidden-/);
    expect(tags[6]!.length).toBe(128);
    expect(tags[6]!.startsWith('a'.repeat(111) + '-')).toBe(true);
    // Stable, and distinct from the name it might be confused with.
    expect(tagForName('a/b')).toBe(tags[0]);
    expect(tagForName('a_b')).toBe('a_b');
    expect(tagForName('a/c')).not.toBe(tags[0]);
  });
});

describe('isLoopbackHost', () => {
  it.each([
    ['127.0.0.1:5000', true],
    ['127.1.2.3', true],
    ['localhost:80', true],
    ['[::1]:5000', true],
    ['128.0.0.1', false],
    ['localhost.example.com', false],
    ['ghcr.io', false],
  ])('%s → %s', (host, expected) => expect(isLoopbackHost(host)).toBe(expected));
});
