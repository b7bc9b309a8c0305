import type { Command } from 'commander';
import { parseLocation } from '../../lib/location.js';
import { buildTree } from '../../lib/publish/tree.js';
import type { Ctx } from '../context.js';
import { repoOf } from '../context.js';
import { progressPrinter } from '../progress.js';
import { publisherFor } from '../publishers.js';
import { registryOptions, type RegistryFlags } from '../registry-flags.js';

interface PublishOpts extends RegistryFlags {
  to: string;
}

export function registerPublish(program: Command, ctx: Ctx): void {
  const cmd = program
    .command('publish')
    .description(
      'publish the consistent-snapshot tree (metadata and targets) of the checked-out default branch',
    )
    .requiredOption('--to <destination>', 'dir:PATH (static layout), or an OCI destination');
  registryOptions(cmd).action(async (o: PublishOpts) => {
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
  });
}
