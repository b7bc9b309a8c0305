/** `tufci mirror SRC DST`: copy a verified TUF-on-OCI repository, and check its freshness. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { UsageError, UserError } from '../../lib/errors.js';
import {
  checkDistinct,
  checkFresh,
  describeIn,
  parseDuration,
  parseMirrorEnd,
  runMirror,
} from '../../lib/mirror/run.js';
import type { Ctx } from '../context.js';
import { registryAccess, type RegistryFlags } from '../registry-flags.js';

export interface MirrorOpts extends RegistryFlags {
  root?: string;
  check?: boolean;
  interval?: string;
  sourceUsername?: string;
  sourcePasswordFile?: string;
}

/** `tufci mirror`. */
export async function mirrorCommand(
  ctx: Ctx,
  src: string,
  dst: string,
  o: MirrorOpts,
): Promise<void> {
  const from = parseMirrorEnd(src, 'SOURCE', ctx.cwd);
  const to = parseMirrorEnd(dst, 'DESTINATION', ctx.cwd);
  checkDistinct(from, to);
  const interval = o.interval === undefined ? undefined : parseDuration(o.interval, '--interval');
  if (o.check && interval === undefined) throw new UsageError('--check needs --interval');
  let trustedRoot;
  if (o.root) {
    const file = resolve(ctx.cwd, o.root);
    try {
      trustedRoot = { bytes: readFileSync(file), from: `--root ${o.root}` };
    } catch {
      throw new UserError(`--root: cannot read ${file}; pin a trusted root.json`);
    }
  }
  // --source-* credentials go to the source's host; --registry-* then only to the destination's
  const own = o.sourceUsername !== undefined || o.sourcePasswordFile !== undefined;
  const hosts = [from.host, to.host].filter((h): h is string => h !== undefined);
  const destination = registryAccess(ctx, o, own ? [to.host ?? ''] : hosts);
  const source = own
    ? registryAccess(
        ctx,
        {
          registryUsername: o.sourceUsername,
          registryPasswordFile: o.sourcePasswordFile,
          plainHttp: o.plainHttp,
        },
        [from.host ?? ''],
      )
    : destination;
  const workDir = mkdtempSync(join(tmpdir(), 'tufci-mirror-'));
  try {
    const r = await runMirror({
      from,
      to,
      ...(trustedRoot ? { trustedRoot } : {}),
      registry: { source, destination },
      credentialsHint: {
        source: own
          ? '--source-username/--source-password-file'
          : '--registry-username/--registry-password-file',
        destination: '--registry-username/--registry-password-file',
      },
      workDir,
      now: ctx.now(),
      log: ctx.out,
    });
    const c = r.copy;
    ctx.out(
      r.unchanged
        ? `${to.spec} is up to date (timestamp version ${r.timestampVersion}).`
        : `Mirrored to ${to.spec}: timestamp version ${r.timestampVersion}, ${r.roles} targets roles, ${r.targetFiles} target files, ${r.artifacts} artifacts.`,
    );
    ctx.out(
      `Copied ${c.manifestsCopied} manifests and ${c.blobsCopied} blobs (${c.bytesCopied} bytes), mounted ${c.blobsMounted}, ${c.blobsPresent + c.manifestsPresent} already there.`,
    );
    const left = r.timestampExpires.getTime() - ctx.now().getTime();
    ctx.out(
      `The destination's timestamp expires at ${r.timestampExpires.toISOString()} (${describeIn(left)}).`,
    );
    if (o.check && interval !== undefined)
      checkFresh(r, to.spec, ctx.now(), interval, o.interval!, '--interval');
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
}
