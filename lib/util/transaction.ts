import {
  existsSync,
  linkSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { removeInside, writeInside } from './fs.js';

function listFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) out.push(...listFiles(full));
    else out.push(full);
  }
  return out;
}

/** Where a snapshot's hard links go: inside .git (same file system, never committed), else the temp dir. */
function snapshotDir(root: string): string {
  const git = join(root, '.git');
  const parent = existsSync(git) && statSync(git).isDirectory() ? git : tmpdir();
  return mkdtempSync(join(parent, 'tufci-rollback-'));
}

/**
 * Runs `work`; if it throws, every file under `dirs` is put back as it was (new
 * files removed), so a failed command never leaves a half-written repository.
 *
 * What was there is kept as hard links, not in memory (thousands of hash bins are
 * megabytes): tufci and git replace files (a new file renamed over the old one), so a link
 * keeps the old content. Where no link can be made, the bytes are kept instead.
 */
export async function withRollback<T>(
  root: string,
  dirs: string[],
  work: () => Promise<T>,
): Promise<T> {
  const saved = new Map<string, { link: string } | Buffer>();
  let snap: string | undefined;
  try {
    for (const d of dirs)
      for (const f of listFiles(join(root, d))) {
        let kept: { link: string } | Buffer;
        try {
          snap ??= snapshotDir(root);
          const link = join(snap, String(saved.size));
          linkSync(f, link);
          kept = { link };
        } catch {
          kept = readFileSync(f);
        }
        saved.set(f, kept);
      }
    try {
      return await work();
    } catch (e) {
      for (const d of dirs) {
        for (const f of listFiles(join(root, d)))
          if (!saved.has(f)) removeInside(root, relative(root, f), 'repository');
      }
      for (const [f, kept] of saved) {
        const data = Buffer.isBuffer(kept) ? kept : readFileSync(kept.link);
        if (!existsSync(f) || !readFileSync(f).equals(data))
          writeInside(root, relative(root, f), data, { what: 'repository' });
      }
      throw e;
    }
  } finally {
    if (snap) rmSync(snap, { recursive: true, force: true });
  }
}
