import { copyFileSync, existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { dirFetcher, dirUrl } from '../../lib/client/fetchers.js';
import { verifyRepository } from '../../lib/client/verify.js';
import { DirPublisher } from '../../lib/publish/dir.js';
import type { Publisher } from '../../lib/publish/publisher.js';
import { buildTree } from '../../lib/publish/tree.js';
import { UserError } from '../../lib/errors.js';
import type { Ctx } from '../context.js';
import { repoOf } from '../context.js';

/** Publisher for a `--to` destination. OCI destinations register themselves in `ctx.publishers`. */
export function publisherFor(ctx: Ctx, to: string): Publisher {
  if (to.startsWith('dir:')) return new DirPublisher(resolve(ctx.cwd, to.slice(4)));
  const scheme = /^([a-z-]+):/.exec(to)?.[1];
  const factory = scheme ? ctx.publishers?.[scheme] : undefined;
  if (factory) return factory(to, ctx);
  throw new UserError(
    `--to "${to}": unknown destination (use dir:PATH${Object.keys(ctx.publishers ?? {})
      .map((s) => `, ${s}:…`)
      .join('')})`,
  );
}

/** A progress bar on a terminal (redrawn in place, ended with a newline); sparse lines in logs. */
export function progressPrinter(ctx: Ctx): (done: number, total: number, current: string) => void {
  let last = -25;
  return (done, total, current) => {
    const pct = Math.floor((done / Math.max(total, 1)) * 100);
    if (ctx.isTTY && ctx.progress) {
      ctx.progress(
        `[${'#'.repeat(Math.floor(pct / 5)).padEnd(20)}] ${pct}% ${done}/${total} ${current}`,
      );
      if (done === total) ctx.err('');
    } else if (total >= 50 && (pct >= last + 25 || done === total)) {
      last = pct;
      ctx.err(`publish: ${done}/${total}`);
    }
  };
}

export function registerPublish(program: Command, ctx: Ctx): void {
  program
    .command('publish')
    .description(
      'publish the consistent-snapshot tree (metadata and targets) of the checked-out default branch',
    )
    .requiredOption('--to <destination>', 'dir:PATH (static layout), or an OCI destination')
    .action(async (o: { to: string }) => {
      const tree = buildTree(repoOf(ctx), ctx.now());
      const pub = publisherFor(ctx, o.to);
      ctx.out(`Publishing ${tree.entries.length} files to ${pub.destination}...`);
      const report = await pub.publish(tree, progressPrinter(ctx));
      ctx.out(
        `Published to ${pub.destination}: ${report.written.length} written, ${report.skipped.length} unchanged.`,
      );
    });
}

interface VerifyOpts {
  from: string;
  root?: string;
  target?: string;
  out?: string;
}

export function registerVerify(program: Command, ctx: Ctx): void {
  program
    .command('verify [artifact]')
    .description('verify a published repository as a TUF client (tuf-js) and download a target')
    .option(
      '--from <source>',
      'dir:PATH or http(s)://URL of the published tree; oci://HOST/REPO or oci-layout:DIR (OCI)',
    )
    .option(
      '--root <file>',
      'pinned trusted root.json (default: metadata/root_history/1.root.json)',
    )
    .option('--target <path>', 'target to download and verify')
    .option('--out <file>', 'where to write the verified target')
    .action(async (artifact: string | undefined, o: Partial<VerifyOpts>) => {
      const ociFrom = /^oci(-layout)?:/.test(o.from ?? '');
      if ((artifact || ociFrom) && ctx.artifactVerifier)
        return ctx.artifactVerifier(artifact ?? '', o, ctx);
      if (artifact)
        throw new UserError(`verify ${artifact}: artifact verification needs an OCI source`);
      if (!o.from) throw new UserError(`--from: name the published tree to verify`);
      const rootFile = resolve(ctx.cwd, o.root ?? join('metadata', 'root_history', '1.root.json'));
      if (!existsSync(rootFile) || !statSync(rootFile).isFile())
        throw new UserError(`--root: ${rootFile} is not a file; pin a trusted root.json`);
      const trustedRoot = readFileSync(rootFile);
      const isDir = o.from.startsWith('dir:');
      const base = isDir ? dirUrl(resolve(ctx.cwd, o.from.slice(4))) : o.from.replace(/\/?$/, '/');
      if (!isDir && !/^https?:\/\//.test(o.from))
        throw new UserError(`--from "${o.from}": use dir:PATH or http(s)://URL`);
      const res = await verifyRepository({
        trustedRoot,
        metadataBaseUrl: base,
        targetBaseUrl: `${base}targets/`,
        workDir: mkdtempSync(join(tmpdir(), 'tufci-verify-')),
        fetcher: isDir ? dirFetcher() : undefined,
        targetPath: o.target,
      });
      ctx.out(`Repository verified (timestamp version ${res.timestampVersion}).`);
      if (res.target) {
        if (o.out) copyFileSync(res.target.file, resolve(ctx.cwd, o.out));
        ctx.out(
          `Target ${JSON.stringify(res.target.path)} verified: ${res.target.length} bytes, sha256 ${res.target.sha256}${o.out ? `, written to ${o.out}` : ''}.`,
        );
      }
    });
}
