import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
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

/**
 * Runs `work`; if it throws, every file under `dirs` is put back as it was (new
 * files removed), so a failed command never leaves a half-written repository.
 */
export async function withRollback<T>(
  root: string,
  dirs: string[],
  work: () => Promise<T>,
): Promise<T> {
  const saved = new Map<string, Buffer>();
  for (const d of dirs) for (const f of listFiles(join(root, d))) saved.set(f, readFileSync(f));
  try {
    return await work();
  } catch (e) {
    for (const d of dirs) {
      for (const f of listFiles(join(root, d)))
        if (!saved.has(f)) removeInside(root, relative(root, f), 'repository');
    }
    for (const [f, data] of saved) {
      if (!existsSync(f) || !readFileSync(f).equals(data))
        writeInside(root, relative(root, f), data, { what: 'repository' });
    }
    throw e;
  }
}
