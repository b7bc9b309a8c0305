import { existsSync, readdirSync } from 'node:fs';
import type { Dirent } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../errors.js';
import { hashFile } from '../util/file-content.js';
import type { TargetFileJson } from './types.js';

/**
 * Checks a TUF target path: relative, '/'-separated, no '.' or '..' segment, no
 * empty segment, no backslash. Such a path can never escape `targets/` when joined.
 */
export function checkTargetPath(path: string, where: string): void {
  // an empty segment is a leading, trailing or doubled '/'; called once per target, so no split
  const bad =
    path === '' ||
    path.startsWith('/') ||
    path.endsWith('/') ||
    path.includes('//') ||
    path.includes('\\') ||
    /^[A-Za-z]:/.test(path) ||
    /(?:^|\/)\.\.?(?:\/|$)/.test(path);
  if (bad) {
    throw new UserError(
      `${where}: target path "${path}" escapes targets/ (it must be relative, without '..' or empty segments)`,
    );
  }
}

/** Length and sha256 of a file, hashed in chunks: a large target is never held in memory. */
export function targetFileInfo(path: string): TargetFileJson {
  const { sha256, length } = hashFile(path);
  return { length, hashes: { sha256 } };
}

/**
 * The TUF path (relative, '/'-separated) of every regular file under `targets/`, in
 * sorted order, read from directory entries (no stat per file). A symlink anywhere below
 * is an error: it could point outside the repository.
 */
export function listTargetFiles(targetsDir: string): string[] {
  const out: string[] = [];
  if (!existsSync(targetsDir)) return out;
  const byName = (a: Dirent, b: Dirent): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  const walk = (dir: string, prefix: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true }).sort(byName)) {
      const rel = prefix ? `${prefix}/${e.name}` : e.name;
      if (e.isSymbolicLink()) {
        throw new UserError(
          `targets/${rel}: is a symlink; targets must be regular files inside targets/`,
        );
      }
      if (e.isDirectory()) walk(join(dir, e.name), rel);
      else if (e.isFile()) {
        if (e.name === '.gitkeep') continue;
        checkTargetPath(rel, `targets/${rel}`);
        out.push(rel);
      }
    }
  };
  walk(targetsDir, '');
  return out;
}
