import { basename } from 'node:path';
import { UsageError } from '../../lib/errors.js';
import { parseLocation } from '../../lib/location.js';
import type { PageInfo } from '../../lib/publish/html.js';
import { buildTree } from '../../lib/publish/tree.js';
import type { Ctx } from '../context.js';
import { repoOf } from '../context.js';
import { progressPrinter } from '../progress.js';
import { publisherFor } from '../publishers.js';
import type { RegistryFlags } from '../registry-flags.js';

export interface PublishOpts extends RegistryFlags {
  to: string;
  name?: string;
  url?: string;
}

/** What index.html says about the repository: only a static tree has that page. */
function pageInfo(ctx: Ctx, o: PublishOpts, kind: string): PageInfo {
  if (kind !== 'dir') {
    for (const [flag, v] of [
      ['--name', o.name],
      ['--url', o.url],
    ] as const)
      if (v !== undefined)
        throw new UsageError(`${flag}: only a dir: destination has index.html to put it on`);
    return {};
  }
  let url: URL | undefined;
  if (o.url !== undefined) {
    try {
      url = new URL(o.url);
    } catch {
      url = undefined;
    }
    if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:'))
      throw new UsageError(`--url "${o.url}": give the http(s):// address the tree is served from`);
  }
  const name = o.name ?? ctx.env.GITHUB_REPOSITORY ?? basename(ctx.cwd);
  return url === undefined ? { name } : { name, url: url.href };
}

/** `tufci publish`. */
export async function publishCommand(ctx: Ctx, o: PublishOpts): Promise<void> {
  const to = parseLocation(o.to, {
    flag: '--to',
    cwd: ctx.cwd,
    accept: ['dir', 'oci', 'oci-layout'],
  });
  const page = pageInfo(ctx, o, to.kind);
  const tree = buildTree(repoOf(ctx), ctx.now());
  const pub = publisherFor(ctx, to, o, page);
  ctx.out(`Publishing ${tree.entries.length} files to ${pub.destination}...`);
  const report = await pub.publish(tree, progressPrinter(ctx));
  ctx.out(
    `Published to ${pub.destination}: ${report.written.length} written, ${report.skipped.length} unchanged.`,
  );
}
