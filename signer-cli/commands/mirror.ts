/** `tufci mirror SRC DST`: copy a verified TUF-on-OCI repository, and check its freshness. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { UsageError, UserError } from '../../lib/errors.js';
import { parseLocation, type OciLocationSpec } from '../../lib/location.js';
import { openMirrorEnd } from '../../lib/mirror/endpoint.js';
import { mirror } from '../../lib/mirror/mirror.js';
import type { Ctx } from '../context.js';
import { registryAccess, type RegistryFlags } from '../registry-flags.js';

export interface MirrorOpts extends RegistryFlags {
  root?: string;
  check?: boolean;
  interval?: string;
}

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };

/** `90s`, `30m`, `6h`, `1d12h`, `2w` → milliseconds. */
function parseDuration(text: string, flag: string): number {
  const parts = [...text.matchAll(/(\d+)([smhdw])/g)];
  if (text === '' || parts.map((p) => p[0]).join('') !== text)
    throw new UsageError(`${flag} "${text}": use a duration such as 30m, 6h, 1d or 1d12h`);
  return parts.reduce((ms, p) => ms + Number(p[1]) * UNITS[p[2]!]! * 1000, 0);
}

function describeIn(ms: number): string {
  const h = Math.floor(Math.abs(ms) / 3_600_000);
  const text =
    h >= 48
      ? `${Math.floor(h / 24)} days`
      : `${h} h ${Math.floor((Math.abs(ms) / 60_000) % 60)} min`;
  return ms < 0 ? `${text} ago` : `in ${text}`;
}

/** `tufci mirror`. */
export async function mirrorCommand(
  ctx: Ctx,
  src: string,
  dst: string,
  o: MirrorOpts,
): Promise<void> {
  const accept = ['oci', 'oci-layout'] as const;
  const from = parseLocation(src, { flag: 'SOURCE', cwd: ctx.cwd, accept }) as OciLocationSpec;
  const to = parseLocation(dst, { flag: 'DESTINATION', cwd: ctx.cwd, accept }) as OciLocationSpec;
  if (
    from.spec === to.spec ||
    (from.kind === 'oci-layout' && to.kind === 'oci-layout' && from.dir === to.dir)
  )
    throw new UsageError('SOURCE and DESTINATION are the same repository');
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
  const hosts = [from, to].flatMap((l) => (l.kind === 'oci' ? [l.host] : []));
  const access = registryAccess(ctx, o, hosts);
  const workDir = mkdtempSync(join(tmpdir(), 'tufci-mirror-'));
  try {
    const source = await openMirrorEnd(from, { registry: access });
    const destination = await openMirrorEnd(to, { registry: access, destination: true });
    const r = await mirror({
      source,
      destination,
      ...(trustedRoot ? { trustedRoot } : {}),
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
    if (o.check && interval !== undefined && left < interval)
      throw new UserError(
        `${to.spec}: the timestamp expires ${describeIn(left)}, before the next run (--interval ${o.interval}): the source must sign a newer timestamp, or the mirror run more often`,
      );
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
}
