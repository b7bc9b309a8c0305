import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { UserError } from '../errors.js';
import { hashFileOfSize } from '../util/file-content.js';
import { pathsInside, writeInside } from '../util/fs.js';
import { indexHtml, type PageInfo } from './html.js';
import type { Progress, PublishReport, Publisher } from './publisher.js';
import { isTargetEntry, type PublishTree, type TreeEntry } from './tree.js';

/** A file already published is left alone only when its content is exactly the entry's. */
function sameContent(dest: string, e: TreeEntry): boolean {
  // a target: one open, its size asked of the open file, then hashed only when it matches
  if (isTargetEntry(e)) return hashFileOfSize(dest, e.length) === e.sha256;
  // one stat says whether it is there (as existsSync would) and its size
  let size: number | undefined;
  try {
    size = statSync(dest).size;
  } catch {
    return false;
  }
  if (size !== e.length) return false;
  return readFileSync(dest).equals(e.bytes);
}

/** Publishes a static directory (GitHub Pages, any web server), in safe order, atomically per file. */
export class DirPublisher implements Publisher {
  readonly destination: string;

  /** `page` names the repository and its URL on index.html; `now` dates it. */
  constructor(
    private readonly dir: string,
    private readonly page: PageInfo = {},
    private readonly now: () => Date = () => new Date(),
  ) {
    this.destination = `dir:${dir}`;
  }

  async publish(tree: PublishTree, progress?: Progress): Promise<PublishReport> {
    const parent = dirname(this.dir);
    if (!existsSync(parent) || !statSync(parent).isDirectory()) {
      throw new UserError(`${this.destination}: ${parent} is not an existing directory`);
    }
    if (existsSync(this.dir) && !statSync(this.dir).isDirectory()) {
      throw new UserError(`${this.destination}: ${this.dir} exists and is not a directory`);
    }
    const report: PublishReport = { destination: this.destination, written: [], skipped: [] };
    const total = tree.entries.length;
    const what = 'publish destination';
    // every path is checked before the first file is written: a refused tree writes nothing
    const dests = pathsInside(
      this.dir,
      tree.entries.map((e) => e.path),
      what,
    );
    tree.entries.forEach((e, i) => {
      progress?.(i, total, e.path);
      const dest = dests[i]!;
      const mutable = e.path === 'timestamp.json';
      if (!mutable && sameContent(dest, e)) {
        report.skipped.push(e.path);
        return;
      }
      // targets are copied, never read whole
      writeInside(this.dir, e.path, isTargetEntry(e) ? { copyOf: e.file } : e.bytes, { what });
      report.written.push(e.path);
    });
    writeInside(this.dir, 'index.html', indexHtml(tree, this.now(), this.page), { what });
    progress?.(total, total, 'index.html');
    return report;
  }
}
