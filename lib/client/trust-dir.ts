/**
 * The client's trusted metadata directory, kept between runs as TUF clients keep it:
 * non-versioned `root.json`, `timestamp.json`, `snapshot.json`, `targets.json` and one
 * `<role>.json` per delegated role loaded (names URL-encoded). A run starts from the
 * root it trusted last; the pinned root only seeds an empty directory.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { InternalError, UserError } from '../errors.js';
import { parseEnvelope } from '../tuf/envelope.js';
import { writeInside } from '../util/fs.js';

/**
 * Makes `dir` a trusted metadata directory. Writes `root` as `root.json` when the
 * directory has none yet (or always, with `replace`); a kept root is never overwritten
 * by an older pin. Returns whether `root` was written.
 */
export function initTrust(dir: string, root: Uint8Array, o: { replace?: boolean } = {}): boolean {
  parseEnvelope(Buffer.from(root).toString('utf8'), 'pinned root', 'root');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'root.json');
  if (existsSync(file) && !o.replace) return false;
  writeInside(dir, 'root.json', root, { what: 'trusted metadata directory' });
  return true;
}

/** The trusted root.json kept in `dir`, or undefined. */
function trustedRootIn(dir: string): Buffer | undefined {
  const file = join(dir, 'root.json');
  return existsSync(file) ? readFileSync(file) : undefined;
}

/** Writes one trusted metadata file (a plain file name, never a path) atomically. */
export function writeTrusted(dir: string, file: string, bytes: Uint8Array): void {
  if (basename(file) !== file)
    throw new InternalError(`trusted metadata file name ${JSON.stringify(file)} is not plain`);
  writeInside(dir, file, bytes, { what: 'trusted metadata directory' });
}

/** The pinned root for a run: the kept trust in `dir`, else the `--root` bytes. */
export function requireRoot(dir: string, pinned: Uint8Array | undefined, flag: string): Uint8Array {
  const kept = trustedRootIn(dir);
  if (kept) return kept;
  if (!pinned) throw new UserError(`${flag}: pin a trusted root.json (${dir} has none yet)`);
  return pinned;
}
