/** Which files appeared or changed under a directory: for tests that no secret reaches disk. */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** path -> "size:mtime" of every regular file under `root`, skipping `exclude` prefixes. */
export function snapshotFiles(root: string, exclude: string[], maxDepth = 8): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (dir: string, depth: number): void => {
    if (depth > maxDepth || files.size > 50_000) return;
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return; // unreadable or gone meanwhile
    }
    for (const e of entries) {
      const path = join(dir, e.name);
      if (exclude.some((x) => path === x || path.startsWith(`${x}/`))) continue;
      if (e.isDirectory()) walk(path, depth + 1);
      else if (e.isFile()) {
        try {
          const st = statSync(path);
          files.set(path, `${st.size}:${st.mtimeMs}`);
        } catch {
          // removed meanwhile
        }
      }
    }
  };
  walk(root, 0);
  return files;
}

/** Files new or changed between two snapshots. */
export function changedFiles(before: Map<string, string>, after: Map<string, string>): string[] {
  return [...after].filter(([path, stamp]) => before.get(path) !== stamp).map(([path]) => path);
}
