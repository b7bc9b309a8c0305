import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { binOf, checkProjectName } from '../../lib/event/projects.js';

describe('projects layout names', () => {
  it('puts a project in the bin its name hashes to, the same number in both layers', () => {
    const n = createHash('sha256').update('app').digest().readUInt32BE(0) % 16;
    const hex = n.toString(16).padStart(4, '0');
    expect(binOf('claimed', 'app', 16)).toBe(`claimedbin-${hex}`);
    expect(binOf('recently-claimed', 'app', 16)).toBe(`recentbin-${hex}`);
    expect(binOf('claimed', 'app', 1)).toBe('claimedbin-0000');
    const used = new Set(Array.from({ length: 200 }, (_, i) => binOf('claimed', `p${i}`, 8)));
    expect(used.size).toBe(8);
  });

  it('accepts package-like names and refuses others, naming the rule', () => {
    for (const ok of ['app', 'my-lib', 'a.b_c', 'x1', '0'])
      expect(() => checkProjectName(ok)).not.toThrow();
    for (const bad of ['App', '-x', 'x-', 'a/b', 'a..b', '', 'a'.repeat(65), 'x y'])
      expect(() => checkProjectName(bad, 'project')).toThrow(/project: .* is not a project name/);
    for (const reserved of [
      'claimed',
      'recently-claimed',
      'claimedbin-0001',
      'keys-app',
      'targets-app',
      'root',
    ])
      expect(() => checkProjectName(reserved, 'project')).toThrow(/is reserved/);
  });
});
