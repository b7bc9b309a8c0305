import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { UserError } from '../errors.js';
import { pathInside, writeInside } from '../util/fs.js';
import { indexHtml } from './html.js';
import type { Progress, PublishReport, Publisher } from './publisher.js';
import type { PublishTree } from './tree.js';

/** Publishes a static directory (GitHub Pages, any web server), in safe order, atomically per file. */
export class DirPublisher implements Publisher {
  readonly destination: string;

  constructor(private readonly dir: string) {
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
    const dests = tree.entries.map((e) => pathInside(this.dir, e.path, what));
    tree.entries.forEach((e, i) => {
      progress?.(i, total, e.path);
      const dest = dests[i]!;
      const mutable = e.path === 'timestamp.json';
      if (!mutable && existsSync(dest) && readFileSync(dest).equals(e.bytes)) {
        report.skipped.push(e.path);
        return;
      }
      writeInside(this.dir, e.path, e.bytes, { what });
      report.written.push(e.path);
    });
    writeInside(this.dir, 'index.html', indexHtml(tree), { what });
    progress?.(total, total, 'index.html');
    return report;
  }
}
