import { createHash } from 'node:crypto';
import { closeSync, openSync, readSync } from 'node:fs';

const CHUNK = 1024 * 1024;

/** sha256 (hex) and length of a file, read in 1 MiB chunks: memory stays flat for any size. */
/** One read buffer for every call (synchronous, so never shared): a fresh 1 MiB per file made thousands of small files cost more in allocation than in hashing. */
let shared: Buffer | undefined;

export function hashFile(path: string): { sha256: string; length: number } {
  const hash = createHash('sha256');
  const buf = (shared ??= Buffer.allocUnsafe(CHUNK));
  const fd = openSync(path, 'r');
  let length = 0;
  try {
    for (;;) {
      const n = readSync(fd, buf, 0, CHUNK, null);
      if (n === 0) break;
      hash.update(buf.subarray(0, n));
      length += n;
    }
  } finally {
    closeSync(fd);
  }
  return { sha256: hash.digest('hex'), length };
}
