import { existsSync, lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../errors.js';
import { hashFile } from '../util/file-content.js';
import type { TargetFileJson } from './types.js';

/**
 * Checks a TUF target path: relative, '/'-separated, no '.' or '..' segment, no
 * empty segment, no backslash. Such a path can never escape `targets/` when joined.
 */
export function checkTargetPath(path: string, where: string): void {
  const bad =
    path === '' ||
    path.startsWith('/') ||
    path.includes('\\') ||
    /^[A-Za-z]:/.test(path) ||
    path.split('/').some((seg) => seg === '' || seg === '.' || seg === '..');
  if (bad) {
    throw new UserError(
      `${where}: target path "${path}" escapes targets/ (it must be relative, without '..' or empty segments)`,
    );
  }
}

/** Length and sha256 of a file, hashed in chunks: a large target is never held in memory. */
function fileInfo(path: string): TargetFileJson {
  const { sha256, length } = hashFile(path);
  return { length, hashes: { sha256 } };
}

/**
 * Every regular file under `targets/` with its TUF path (relative, '/'-separated).
 * A symlink anywhere below is an error: it could point outside the repository.
 * `known` holds the length and sha256 of files known to be unchanged (by git, against
 * the known-good state): those of the same size are not read again.
 */
export function scanTargetFiles(
  targetsDir: string,
  known: ReadonlyMap<string, TargetFileJson> = new Map(),
): Map<string, TargetFileJson> {
  const out = new Map<string, TargetFileJson>();
  if (!existsSync(targetsDir)) return out;
  const walk = (dir: string, prefix: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const full = join(dir, name);
      const rel = prefix ? `${prefix}/${name}` : name;
      const st = lstatSync(full);
      if (st.isSymbolicLink()) {
        throw new UserError(
          `targets/${rel}: is a symlink; targets must be regular files inside targets/`,
        );
      }
      if (st.isDirectory()) walk(full, rel);
      else if (st.isFile()) {
        if (name === '.gitkeep') continue;
        checkTargetPath(rel, `targets/${rel}`);
        const k = known.get(rel);
        out.set(rel, k && k.length === st.size ? k : fileInfo(full));
      }
    }
  };
  walk(targetsDir, '');
  return out;
}
