import { createHash } from 'node:crypto';
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

const CHUNK = 1024 * 1024;

/** sha256 (hex) and length of a file, read in 1 MiB chunks: memory stays flat for any size. */
/** One read buffer for every call (synchronous, so never shared): a fresh 1 MiB per file made thousands of small files cost more in allocation than in hashing. */
let shared: Buffer | undefined;

export function hashFile(path: string): { sha256: string; length: number } {
  const fd = openSync(path, 'r');
  try {
    return hashFd(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * sha256 (hex) of a file that exists with exactly `length` bytes; undefined when it is
 * missing, not a regular file or of another size. One open, the size asked of the open file (no stat by path
 * first): a publish asks this of every file already in the destination.
 */
export function hashFileOfSize(path: string, length: number): string | undefined {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw e;
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile() || st.size !== length) return undefined;
    const h = hashFd(fd, true);
    return h.length === length ? h.sha256 : undefined;
  } finally {
    closeSync(fd);
  }
}

/**
 * `regular`: the file is a regular one (fstat said so), where a read shorter than asked
 * means the end was reached, as surely as a further read of 0 bytes would say: that read
 * (one per file, 100k files) is not made.
 */
function hashFd(fd: number, regular = false): { sha256: string; length: number } {
  const hash = createHash('sha256');
  const buf = (shared ??= Buffer.allocUnsafe(CHUNK));
  let length = 0;
  for (;;) {
    const n = readSync(fd, buf, 0, CHUNK, null);
    if (n === 0) break;
    hash.update(buf.subarray(0, n));
    length += n;
    if (regular && n < CHUNK) break;
  }
  return { sha256: hash.digest('hex'), length };
}
