import { parseLocation } from '../../lib/location.js';
import { buildTree } from '../../lib/publish/tree.js';
import type { Ctx } from '../context.js';
import { repoOf } from '../context.js';
import { progressPrinter } from '../progress.js';
import { publisherFor } from '../publishers.js';
import type { RegistryFlags } from '../registry-flags.js';

export interface PublishOpts extends RegistryFlags {
  to: string;
}

/** `tufci publish`. */
export async function publishCommand(ctx: Ctx, o: PublishOpts): Promise<void> {
  const to = parseLocation(o.to, {
    flag: '--to',
    cwd: ctx.cwd,
    accept: ['dir', 'oci', 'oci-layout'],
  });
  const tree = buildTree(repoOf(ctx), ctx.now());
  const pub = publisherFor(ctx, to, o);
  ctx.out(`Publishing ${tree.entries.length} files to ${pub.destination}...`);
  const report = await pub.publish(tree, progressPrinter(ctx));
  ctx.out(
    `Published to ${pub.destination}: ${report.written.length} written, ${report.skipped.length} unchanged.`,
  );
}
