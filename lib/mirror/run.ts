/**
 * One mirror run as `tufci mirror` and the mirror action do it: parse the two ends
 * (`oci://HOST/REPO`, `oci-layout:DIR`, `oci-archive:FILE.tar`), open each with its own
 * registry options (credentials per end), mirror, write a destination archive back, and
 * say when the destination's timestamp expires (freshness).
 */
import { existsSync, mkdtempSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { TufciError, UsageError, UserError } from '../errors.js';
import { parseLocation, type OciLocationSpec } from '../location.js';
import { OciError, type RegistryOptions } from '../oci/index.js';
import { ARCHIVE_PREFIX, extractArchive, writeArchive } from './archive.js';
import { openMirrorEnd } from './endpoint.js';
import { mirror, type MirrorReport } from './mirror.js';

export interface MirrorEndSpec {
  /** As given. */
  spec: string;
  kind: 'oci' | 'oci-layout' | 'oci-archive';
  /** The registry host of an `oci://` end. */
  host?: string;
  /** The tar file of an `oci-archive:` end. */
  file?: string;
  location?: OciLocationSpec;
}

type RegistryFor = (host: string) => Promise<RegistryOptions> | RegistryOptions;

/** Parses SOURCE or DESTINATION; `flag` names it in messages. */
export function parseMirrorEnd(text: string, flag: string, cwd: string): MirrorEndSpec {
  if (text.startsWith(ARCHIVE_PREFIX)) {
    const path = text.slice(ARCHIVE_PREFIX.length);
    if (path === '') throw new UsageError(`${flag} "${text}": use oci-archive:FILE.tar`);
    return { spec: text, kind: 'oci-archive', file: resolve(cwd, path) };
  }
  const location = parseLocation(text, {
    flag,
    cwd,
    accept: ['oci', 'oci-layout'],
  }) as OciLocationSpec;
  return {
    spec: text,
    kind: location.kind,
    location,
    ...(location.kind === 'oci' ? { host: location.host } : {}),
  };
}

/** Refuses a mirror of a repository onto itself. */
export function checkDistinct(from: MirrorEndSpec, to: MirrorEndSpec): void {
  const same =
    from.spec === to.spec ||
    (from.file !== undefined && from.file === to.file) ||
    (from.location?.kind === 'oci-layout' &&
      to.location?.kind === 'oci-layout' &&
      from.location.dir === to.location.dir);
  if (same) throw new UsageError('SOURCE and DESTINATION are the same repository');
}

export interface RunMirrorOptions {
  from: MirrorEndSpec;
  to: MirrorEndSpec;
  trustedRoot?: { bytes: Uint8Array; from: string };
  /** Registry options per end: a source and a destination may need different credentials. */
  registry: { source: RegistryFor; destination: RegistryFor };
  /** Where each end's credentials are given (flags, inputs), for the message on a 401. */
  credentialsHint?: { source: string; destination: string };
  /** A scratch directory (removed by the caller). */
  workDir: string;
  now: Date;
  log?: (line: string) => void;
}

/** The layout an archive end is unpacked into (a new destination archive starts empty). */
function unpack(end: MirrorEndSpec, workDir: string): OciLocationSpec & { kind: 'oci-layout' } {
  const dir = join(mkdtempSync(join(workDir, 'archive-')), 'layout');
  if (existsSync(end.file!)) extractArchive(end.file!, dir);
  return { kind: 'oci-layout', spec: `oci-layout:${dir}`, dir };
}

export async function runMirror(o: RunMirrorOptions): Promise<MirrorReport> {
  try {
    return await mirrorOnce(o);
  } catch (e) {
    throw explainRefusal(e, o);
  }
}

/** A registry that refused access (HTTP 401/403), wherever it surfaced: named, with the fix. */
function explainRefusal(e: unknown, o: RunMirrorOptions): unknown {
  let oci: unknown = e;
  while (oci instanceof Error && !(oci instanceof OciError)) oci = oci.cause;
  if (!(oci instanceof OciError) || (oci.kind !== 'unauthorized' && oci.kind !== 'denied'))
    return e;
  const host = oci.registry ?? 'the registry';
  const ends: ('source' | 'destination')[] = [];
  if (host === o.from.host) ends.push('source');
  if (host === o.to.host) ends.push('destination');
  const via = ends
    .map((end) => o.credentialsHint?.[end])
    .filter((h): h is string => h !== undefined);
  const what = oci.kind === 'unauthorized' ? 'HTTP 401, no valid credentials' : 'HTTP 403, denied';
  return new TufciError(
    'registry',
    `${host} refused access (${what}; the ${ends.length ? ends.join(' and ') : 'artifact'} registry): give its credentials${via.length ? ` with ${via.join(' or ')}` : ''} or in ~/.docker/config.json for ${host}. (${(e as Error).message})`,
    { cause: e },
  );
}

async function mirrorOnce(o: RunMirrorOptions): Promise<MirrorReport> {
  if (o.from.kind === 'oci-archive' && !existsSync(o.from.file!))
    throw new UserError(`${o.from.spec}: no such archive (${o.from.file})`);
  const fromAt = o.from.kind === 'oci-archive' ? unpack(o.from, o.workDir) : o.from.location!;
  const archive = o.to.kind === 'oci-archive' ? unpack(o.to, o.workDir) : undefined;
  const source = await openMirrorEnd(fromAt, { registry: o.registry.source });
  const destination = await openMirrorEnd(archive ?? o.to.location!, {
    registry: o.registry.destination,
    destination: true,
  });
  source.name = o.from.spec;
  destination.name = o.to.spec;
  const report = await mirror({
    source,
    destination,
    ...(o.trustedRoot ? { trustedRoot: o.trustedRoot } : {}),
    workDir: o.workDir,
    now: o.now,
    ...(o.log ? { log: o.log } : {}),
  });
  if (archive && !(report.unchanged && existsSync(o.to.file!)))
    writeArchive(archive.dir, o.to.file!);
  return report;
}

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };

/** `90s`, `30m`, `6h`, `1d12h`, `2w` → milliseconds; `what` names the flag or input. */
export function parseDuration(text: string, what: string): number {
  const parts = [...text.matchAll(/(\d+)([smhdw])/g)];
  if (text === '' || parts.map((p) => p[0]).join('') !== text)
    throw new UsageError(`${what} "${text}": use a duration such as 30m, 6h, 1d or 1d12h`);
  return parts.reduce((ms, p) => ms + Number(p[1]) * UNITS[p[2]!]! * 1000, 0);
}

/** `in 5 h 3 min`, `in 3 days`, `2 h 0 min ago`. */
export function describeIn(ms: number): string {
  const h = Math.floor(Math.abs(ms) / 3_600_000);
  const text =
    h >= 48
      ? `${Math.floor(h / 24)} days`
      : `${h} h ${Math.floor((Math.abs(ms) / 60_000) % 60)} min`;
  return ms < 0 ? `${text} ago` : `in ${text}`;
}

/**
 * Freshness: throws when the destination's timestamp expires before the next run,
 * `interval` from now (`intervalText` as the user wrote it, `what` the flag or input).
 */
export function checkFresh(
  report: MirrorReport,
  to: string,
  now: Date,
  interval: number,
  intervalText: string,
  what: string,
): void {
  const left = report.timestampExpires.getTime() - now.getTime();
  if (left < interval)
    throw new UserError(
      `${to}: the timestamp expires ${describeIn(left)}, before the next run (${what} ${intervalText}): the source must sign a newer timestamp, or the mirror run more often`,
    );
}
