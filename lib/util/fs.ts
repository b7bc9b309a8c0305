import { chmodSync, mkdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Writes a file atomically: a temp file beside it, then rename, so readers never see half a
 * file. A file that is replaced keeps its permission bits.
 */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  mkdirSync(dirname(path), { recursive: true });
  let mode: number | undefined;
  try {
    mode = statSync(path).mode & 0o7777;
  } catch {
    mode = undefined; // a new file: the process's umask decides
  }
  const tmp = `${path}.tmp-${Math.random().toString(36).slice(2)}`;
  writeFileSync(tmp, data);
  if (mode !== undefined) chmodSync(tmp, mode);
  renameSync(tmp, path);
}
