/**
 * hashFile and hashFileOfSize agree with a one-shot sha256 at and around the 1 MiB read
 * size; hashFileOfSize says undefined for a missing file, another size or a directory.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hashFile, hashFileOfSize } from '../../lib/util/file-content.js';

describe('hashFile, hashFileOfSize', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tufci-hash-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const MiB = 1024 * 1024;

  it('hash every byte, whatever the size against the read size', () => {
    for (const size of [0, 1, MiB - 1, MiB, MiB + 1, 3 * MiB + 7]) {
      const bytes = Buffer.alloc(size, 0);
      for (let i = 0; i < size; i += 4093) bytes[i] = i % 251;
      const file = join(dir, `f${size}`);
      writeFileSync(file, bytes);
      const sha = createHash('sha256').update(bytes).digest('hex');
      expect(hashFile(file)).toEqual({ sha256: sha, length: size });
      expect(hashFileOfSize(file, size)).toBe(sha);
      expect(hashFileOfSize(file, size + 1)).toBeUndefined();
    }
  });

  it('say undefined for a missing file, a missing directory on its way, or a directory', () => {
    mkdirSync(join(dir, 'd'));
    expect(hashFileOfSize(join(dir, 'missing'), 1)).toBeUndefined();
    expect(hashFileOfSize(join(dir, 'missing', 'below'), 1)).toBeUndefined();
    expect(hashFileOfSize(join(dir, 'd'), 4096)).toBeUndefined();
  });
});
