/**
 * Every file tufci writes goes through here: a path relative to a root (a repository, a
 * publish destination, a client's cache, an OCI layout, a directory the user named) is
 * resolved and must stay inside that root, symlinks included, before anything is created.
 * Writes are atomic (temp file beside the target, then rename), so readers never see
 * half a file.
 */
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  linkSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  realpathSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { open, rm, rename } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import type { Dirent } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { UserError } from '../errors.js';

/** The permission bits of an existing regular file, else undefined. */
function modeOf(path: string): number | undefined {
  try {
    const st = lstatSync(path);
    return st.isFile() ? st.mode & 0o7777 : undefined;
  } catch {
    return undefined;
  }
}

/** What is written: text, bytes, or a copy of another file. */
export type Content = string | Uint8Array | { copyOf: string };

export interface WriteOptions {
  /** Names the root in errors ("repository", "publish destination", …). */
  what?: string;
  /** File mode of the new file (set on the temp file, so it never exists with another). */
  mode?: number;
  /** Refuse to replace an existing file (the check and the write are one operation). */
  exclusive?: boolean;
  /** Create missing parent directories (default true). */
  parents?: boolean;
}

const outside = (root: string, rel: string, what: string, why: string): UserError =>
  new UserError(`${what} ${root}: ${JSON.stringify(rel)} ${why}; nothing was written`);

const isInside = (root: string, path: string): boolean => {
  const r = relative(root, path);
  return r !== '' && !r.startsWith(`..${sep}`) && r !== '..' && !isAbsolute(r);
};

/** The real path of an existing path; '' for a symlink that leads nowhere. */
function realOrNothing(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return '';
  }
}

/** The root as it is on disk (symlinks resolved) when it exists; as given otherwise. */
function realRoot(root: string): string {
  const abs = resolve(root);
  return existsSync(abs) ? realpathSync(abs) : abs;
}

/**
 * The absolute path of `rel` inside `root`. Refuses absolute paths, `..` that climbs
 * out, NUL, and a path whose existing part leads out through a symlink.
 * Creates no directory: call it for every file first to refuse a whole batch up front.
 */
export function pathInside(root: string, rel: string, what = 'directory'): string {
  // other control characters are legal in target names (TUF allows them); role names
  // are held to a stricter rule where metadata is loaded (lib/tuf/names.ts)
  if (typeof rel !== 'string' || rel === '' || rel.includes('\0'))
    throw outside(root, String(rel), what, 'is empty or has a NUL character');
  if (isAbsolute(rel) || /^[A-Za-z]:/.test(rel)) throw outside(root, rel, what, 'is absolute');
  const base = realRoot(root);
  const target = resolve(base, rel);
  if (!isInside(base, target)) throw outside(root, rel, what, 'resolves outside it');
  // the deepest part that exists must resolve inside the root (a symlink could lead out)
  let probe = target;
  while (probe !== base && !lstatSync(probe, { throwIfNoEntry: false })) probe = dirname(probe);
  if (probe !== base && !isInside(base, realOrNothing(probe)))
    throw outside(root, rel, what, 'leads outside it through a symbolic link');
  return target;
}

/**
 * `pathInside` for many paths at once, the same checks and errors, with the root and each
 * directory resolved once rather than once per path (a tree of 100k files).
 */
export function pathsInside(root: string, rels: string[], what = 'directory'): string[] {
  const base = realRoot(root);
  const dirs = new Map<string, string>();
  /** realpath of an existing directory, remembered */
  const realDir = (dir: string): string => {
    let r = dirs.get(dir);
    if (r === undefined) dirs.set(dir, (r = realOrNothing(dir)));
    return r;
  };
  /** the entries of a directory, listed once (undefined: it cannot be listed) */
  const listings = new Map<string, Map<string, Dirent> | undefined>();
  const listing = (dir: string): Map<string, Dirent> | undefined => {
    if (listings.has(dir)) return listings.get(dir);
    let m: Map<string, Dirent> | undefined;
    try {
      m = new Map(readdirSync(dir, { withFileTypes: true }).map((d) => [d.name, d]));
    } catch (e) {
      // not there: nothing below it is (anything else is left to lstat, and its error)
      m = (e as NodeJS.ErrnoException).code === 'ENOENT' ? new Map() : undefined;
    }
    listings.set(dir, m);
    return m;
  };
  /**
   * What lstat says of `path`, its directory listed once rather than one lstat per file
   * (100k files in a hundred directories); lstat itself when the listing cannot say.
   */
  type Kind = Pick<Dirent, 'isSymbolicLink' | 'isDirectory'>;
  const kindOf = (path: string): Kind | undefined => {
    const entries = listing(dirname(path));
    if (entries) {
      const d = entries.get(basename(path));
      if (!d) return undefined;
      // a type the file system did not report is asked of the file
      if (d.isFile() || d.isDirectory() || d.isSymbolicLink()) return d;
    }
    return lstatSync(path, { throwIfNoEntry: false });
  };
  return rels.map((rel) => {
    if (typeof rel !== 'string' || rel === '' || rel.includes('\0'))
      throw outside(root, String(rel), what, 'is empty or has a NUL character');
    if (isAbsolute(rel) || /^[A-Za-z]:/.test(rel)) throw outside(root, rel, what, 'is absolute');
    const target = resolve(base, rel);
    if (!isInside(base, target)) throw outside(root, rel, what, 'resolves outside it');
    let probe = target;
    let st = kindOf(probe);
    while (probe !== base && !st) {
      probe = dirname(probe);
      st = probe === base ? undefined : kindOf(probe);
    }
    if (probe !== base) {
      // what a symlink leads to is asked of it; anything else is where its directory really is
      const real = st!.isSymbolicLink()
        ? realOrNothing(probe)
        : st!.isDirectory()
          ? realDir(probe)
          : join(realDir(dirname(probe)), basename(probe));
      if (!isInside(base, real))
        throw outside(root, rel, what, 'leads outside it through a symbolic link');
    }
    return target;
  });
}

/** `pathInside`, then the parent directories created (never through a symlink out). */
function prepare(root: string, rel: string, what: string, parents = true): string {
  const target = pathInside(root, rel, what);
  if (!parents && !existsSync(dirname(target)))
    throw new UserError(`cannot open ${target}: no such file or directory`);
  mkdirSync(dirname(target), { recursive: true });
  // a directory created meanwhile by someone else could be a symlink: check again
  if (!isInside(realRoot(root), join(realOrNothing(dirname(target)), basename(target))))
    throw outside(root, rel, what, 'leads outside it through a symbolic link');
  return target;
}

const tempFor = (path: string): string =>
  `${dirname(path)}${sep}.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`;

function commit(temp: string, path: string, exclusive: boolean, rel: string, root: string): void {
  if (!exclusive) return renameSync(temp, path);
  try {
    linkSync(temp, path); // fails when the file exists: no window between check and write
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST')
      throw new UserError(`${root}: ${rel} exists; not overwriting it`, { cause: e });
    throw e;
  } finally {
    rmSync(temp, { force: true });
  }
}

/** Writes `content` to `rel` inside `root`, atomically. Returns the absolute path written. */
export function writeInside(root: string, rel: string, content: Content, o: WriteOptions = {}) {
  return stageInside(root, rel, content, o).commit();
}

/** A file written beside its target, not yet in place (see stageInside). */
export interface Staged {
  /** Renames it over the target; returns the target's absolute path. */
  commit(): string;
  /** Removes it; the target stays as it was. */
  discard(): void;
}

/**
 * The first half of writeInside: `content` written to a temp file beside `rel`, put in
 * place by `commit` (or removed by `discard`). Staging many files, then committing them,
 * writes a batch without holding it in memory and without a half-written batch when one
 * of them fails.
 */
export function stageInside(
  root: string,
  rel: string,
  content: Content,
  o: WriteOptions = {},
): Staged {
  const path = prepare(root, rel, o.what ?? 'directory', o.parents);
  const temp = tempFor(path);
  // a file that is replaced keeps its permission bits, unless a mode is asked for
  const mode = o.mode ?? modeOf(path);
  try {
    writeFileSync(temp, '', { mode: o.mode ?? 0o666, flag: 'wx' });
    // the mode is set explicitly: a permissive umask must not widen it
    if (mode !== undefined) chmodSync(temp, mode);
    if (typeof content === 'object' && 'copyOf' in content) copyFileSync(content.copyOf, temp);
    else writeFileSync(temp, content);
  } catch (e) {
    rmSync(temp, { force: true });
    throw e;
  }
  return {
    commit: () => {
      try {
        commit(temp, path, o.exclusive === true, rel, root);
      } finally {
        rmSync(temp, { force: true });
      }
      return path;
    },
    discard: () => rmSync(temp, { force: true }),
  };
}

/**
 * Streams a file to `rel` inside `root`: `write` fills the open temp file, which is
 * synced and renamed over the target only when `write` succeeds.
 */
export async function streamInside<T>(
  root: string,
  rel: string,
  write: (file: FileHandle) => Promise<T>,
  o: WriteOptions = {},
): Promise<T> {
  const path = prepare(root, rel, o.what ?? 'directory', o.parents);
  const temp = tempFor(path);
  const file = await open(temp, 'wx', o.mode);
  let result: T;
  try {
    result = await write(file);
    await file.sync();
  } catch (e) {
    await file.close().catch(() => undefined);
    await rm(temp, { force: true });
    throw e;
  }
  await file.close();
  await rename(temp, path);
  return result;
}

/** Removes `rel` inside `root` (missing is fine); refuses a path outside it. */
export function removeInside(root: string, rel: string, what = 'directory'): void {
  rmSync(pathInside(root, rel, what), { force: true });
}

/**
 * Writes a file the user named (a key, a config, `--out`): the root is its own directory,
 * which must exist (a mistyped directory is an error, not a new directory).
 */
export function writeUserFile(path: string, content: Content, o: WriteOptions = {}): string {
  return writeInside(dirname(path), basename(path), content, {
    what: 'directory',
    parents: false,
    ...o,
  });
}
