/**
 * Mirrors a TUF-on-OCI repository to another registry or layout, digests unchanged
 * (docs/MOVEMENT.md). The source is verified first (TUF, from a root the caller gives
 * or the destination's newest root), then copied in the order a client must never see
 * reversed: the registry artifacts the metadata signs (with their referrers, pointers
 * rewritten to name the destination) and the target files, then the delegated roles'
 * manifests, and `latest` last. Incremental: manifests and blobs present at the
 * destination are not sent, and target files the destination's metadata already lists
 * are not looked at.
 */
import { join } from 'node:path';
import { mkdtempSync } from 'node:fs';
import { InternalError, NotVerifiedError, UserError } from '../errors.js';
import {
  EMPTY_JSON,
  POINTER,
  TUF_FILENAME_ANNOTATION,
  TUF_MEDIA_TYPE,
  copyBlob,
  copyGraph,
  CopySession,
  digestOf,
  emptyCopyReport,
  isValidTag,
  OciError,
  parseReference,
  registryArtifactOf,
  runPool,
  type CopyReport,
  type Descriptor,
  type ImageManifest,
  type ManifestResult,
  type OciStore,
  type PublishedState,
  type ReferrerRewrite,
  type TufManifest,
  type TufOciRepo,
} from '../oci/index.js';
import { publishedTargetFile } from '../oci/tuf-manifests.js';
import { openTufSession } from '../client/oci-client.js';
import { attachPointer, pointerManifest } from '../publish/oci-pointer.js';
import type { MirrorEnd } from './endpoint.js';
import { verifySource, type VerifiedRepository } from './verify-source.js';
import { IMPORT_FIELD } from '../tuf/imported.js';
import { pathMatches } from '../tuf/owner.js';

export interface MirrorOptions {
  source: MirrorEnd;
  destination: MirrorEnd;
  /** The root to verify the source from; default: the destination's newest root. */
  trustedRoot?: { bytes: Uint8Array; from: string };
  /** A scratch directory for the TUF clients' metadata caches. */
  workDir: string;
  now: Date;
  concurrency?: number;
  log?: (line: string) => void;
}

export interface MirrorReport {
  /** Where the trusted root came from (`--root FILE`, `the destination's 3.root.json`). */
  trustedRootFrom: string;
  timestampVersion: number;
  /** When the destination's timestamp (the source's, copied) expires. */
  timestampExpires: Date;
  /** True when the destination's `latest` was this already. */
  unchanged: boolean;
  artifacts: number;
  targetFiles: number;
  roles: number;
  copy: CopyReport;
}

export async function mirror(o: MirrorOptions): Promise<MirrorReport> {
  const { source, destination } = o;
  const log = o.log ?? (() => undefined);
  const root = o.trustedRoot ?? (await newestRoot(destination));
  if (!root)
    throw new UserError(
      `${destination.name} holds no TUF repository yet: give the root to trust the source with (--root FILE)`,
    );
  const verified = await verifySource({
    repo: source.repo,
    trustedRoot: root.bytes,
    cacheDir: mkdtempSync(join(o.workDir, 'source-')),
    name: source.name,
    now: o.now,
  });
  log(
    `Verified ${source.name} (timestamp version ${verified.timestamp.version}) from ${root.from}.`,
  );
  const there = await timestampVersionAt(destination.repo);
  if (there !== undefined && there > verified.timestamp.version)
    throw new NotVerifiedError(
      `${source.name} has timestamp version ${verified.timestamp.version}, older than ${destination.name}'s ${there}: a mirror never goes back`,
    );

  const report = emptyCopyReport();
  const limit = o.concurrency ?? 8;
  const session = new CopySession();
  const common = { report, concurrency: limit, session };
  // What the destination's metadata lists is there (a publish or mirror put it there
  // before that metadata): not asked for again.
  const published = await destination.repo.published();
  const dst = destination.repo.metadata;
  for (const m of [published.latest, ...published.roles.values()]) {
    if (!m) continue;
    for (const l of m.layers) session.assumePresent(dst, l.digest);
    session.assumePresent(dst, EMPTY_JSON.descriptor.digest);
  }
  for (const bytes of verified.files)
    session.rememberBlob(source.repo.metadata, digestOf(bytes), bytes);
  const artifacts = await copyArtifacts(o, verified, common, log);
  const targetFiles = await copyTargetFiles(o, verified, common, published);

  // Role manifests and `latest` were read from the source to verify it. Beside a
  // destination's `latest`, one that differs from the destination's is new there (its new
  // metadata blobs too: sent without asking). Without one (a new destination, or a run cut
  // short before `latest`), the destination is asked what it has.
  const assumeAbsent = published.latest !== undefined || targetFiles.assumeAbsent;
  const srcRepo = source.repo;
  const delegated = [...verified.roles.keys()].filter((r) => r !== 'targets');
  const copyMetadata = async (m: TufManifest, at: TufManifest | undefined): Promise<void> => {
    if (at?.descriptor.digest === m.descriptor.digest) return;
    session.remember(srcRepo.metadata, { bytes: m.bytes, descriptor: m.descriptor });
    await copyGraph(srcRepo.metadata, dst, m.descriptor, {
      ...common,
      tag: m.tag,
      assumeAbsent,
    });
  };
  await runPool(delegated, limit, async (role) => {
    const m = await srcRepo.roleManifest(role);
    if (!m) throw new InternalError(`${role}: its manifest was read to verify it, and is gone`);
    await copyMetadata(m, published.roles.get(role));
  });
  const latest = (await srcRepo.latest())!;
  const before = report.manifestsCopied;
  await copyMetadata(latest, published.latest);
  const unchanged = report.manifestsCopied === before && there === verified.timestamp.version;

  // What a client of the destination sees now: verify it from the same root.
  await openTufSession({
    trustedRoot: root.bytes,
    source: { ...destination.repo.stores },
    cacheDir: mkdtempSync(join(o.workDir, 'destination-')),
    name: destination.name,
    now: o.now,
  });
  return {
    trustedRootFrom: root.from,
    timestampVersion: verified.timestamp.version,
    timestampExpires: verified.timestamp.expires,
    unchanged,
    artifacts,
    targetFiles: targetFiles.count,
    roles: verified.roles.size,
    copy: report,
  };
}

/** The imported roles among the verified ones, with the path patterns their delegation covers. */
function importCoverage(verified: VerifiedRepository): Map<string, string[]> {
  const covered = new Map<string, string[]>();
  for (const targets of verified.roles.values())
    for (const [name, r] of Object.entries(targets.delegations?.roles ?? {}))
      if (r.unrecognizedFields?.[IMPORT_FIELD]) covered.set(name, r.paths ?? []);
  return covered;
}

/** Every registry artifact the verified metadata signs, with referrers; pointers rewritten. */
async function copyArtifacts(
  o: MirrorOptions,
  verified: VerifiedRepository,
  common: { report: CopyReport; concurrency: number; session: CopySession },
  log: (line: string) => void,
): Promise<number> {
  const list: { path: string; descriptor: Descriptor; source: string }[] = [];
  // Imported roles (`tufci copy --signatures original`) are a source's roles: only the
  // names their delegation covers are this repository's, and their copies live here, under
  // the repository path their entry records (whose host is the source's registry).
  const covered = importCoverage(verified);
  const importedPaths = new Set<string>();
  for (const [name, paths] of covered)
    for (const path of Object.keys(verified.roles.get(name)?.targets ?? {}))
      if (pathMatches(paths, path)) importedPaths.add(path);
  const seen = new Set<string>();
  for (const [role, targets] of verified.roles) {
    for (const [path, t] of Object.entries(targets.targets)) {
      const artifact = registryArtifactOf(t.custom);
      if (!artifact) continue;
      const patterns = covered.get(role);
      if (patterns && !pathMatches(patterns, path)) continue;
      if (!artifact.source) {
        log(`artifact ${JSON.stringify(path)}: skipped (no repository recorded for it)`);
        continue;
      }
      const source = importedPaths.has(path) ? o.source.here(artifact.source) : artifact.source;
      const key = `${path}\0${artifact.descriptor.digest}\0${source}`;
      if (seen.has(key)) continue;
      seen.add(key);
      list.push({ path, descriptor: artifact.descriptor, source });
    }
  }
  const pointerName = o.destination.pointerName;
  // Subjects whose pointer (for their target path) the copy wrote, rewritten.
  const rewritten = new Set<string>();
  const rewrite = ({ manifest }: ReferrerRewrite): Uint8Array | undefined => {
    const m = manifest as ImageManifest;
    if (m.artifactType !== POINTER.artifactType || !pointerName || !m.subject) return undefined;
    const target = m.annotations?.[POINTER.targetAnnotation] ?? '';
    rewritten.add(`${m.subject.digest} ${target}`);
    return pointerManifest(m.subject, { metadata: pointerName, target });
  };
  await runPool(list, common.concurrency, async ({ path, descriptor, source }) => {
    const from = await o.source.artifacts(source);
    const to = await o.destination.artifacts(source);
    const tag = tagOfPath(path, source);
    await copyGraph(from, to, descriptor, {
      ...common,
      referrers: true,
      rewriteReferrer: rewrite,
      ...(tag ? { tag } : {}),
    });
    if (pointerName && !rewritten.has(`${descriptor.digest} ${path}`))
      await attachPointer(to, descriptor, { metadata: pointerName, target: path });
  });
  return list.length;
}

/** `apps/web:v1` recorded from `HOST/apps/web`: the tag `v1`, kept at the destination. */
function tagOfPath(path: string, source: string): string | undefined {
  let repository: string;
  try {
    repository = parseReference(source).repository;
  } catch {
    return undefined;
  }
  if (!path.startsWith(`${repository}:`)) return undefined;
  const tag = path.slice(repository.length + 1);
  return isValidTag(tag) ? tag : undefined;
}

/**
 * The target files of the verified metadata that the destination's metadata does not
 * list yet: their blobs, then the manifests (a file's own, or its directory's) that name them.
 */
async function copyTargetFiles(
  o: MirrorOptions,
  verified: VerifiedRepository,
  common: { report: CopyReport; concurrency: number; session: CopySession },
  state: PublishedState,
): Promise<{ count: number; assumeAbsent: boolean }> {
  const published = state.targets;
  const files = new Map<string, { sha256: string; length: number }>();
  const imported = importCoverage(verified);
  for (const [role, targets] of verified.roles) {
    // an imported role's files are its source's (publish serves only those held here)
    if (imported.has(role)) continue;
    for (const [path, t] of Object.entries(targets.targets)) {
      if (registryArtifactOf(t.custom) || 'oci' in t.custom) continue;
      const sha256 = t.hashes.sha256;
      if (!sha256) throw new NotVerifiedError(`target ${JSON.stringify(path)} has no sha256`);
      files.set(path, { sha256, length: t.length });
    }
  }
  const changed = [...files].filter(([p, f]) => published.get(p)?.sha256 !== f.sha256);
  if (changed.length === 0) return { count: files.size, assumeAbsent: false };
  const from = o.source.repo.targets;
  if (!from) throw new UserError(`${o.source.name} has no targets repository`);
  const to = o.destination.repo.requireTargets();
  for (const f of published.values()) common.session.assumePresent(to, `sha256:${f.sha256}`);
  if (published.size > 0) common.session.assumePresent(to, EMPTY_JSON.descriptor.digest);
  // Files the destination's metadata does not list yet are new there, and so is
  // everything in a destination without metadata and tags: sent without asking first (a
  // run cut short may have sent some: they are sent again). A destination that has tags
  // but no `latest` (a run cut short) is asked.
  const assumeAbsent = state.latest !== undefined || (await hasNoTags(to));
  const opts = { ...common, assumeAbsent };
  await runPool(changed, common.concurrency, async ([, f]) => {
    const blob = { mediaType: TUF_MEDIA_TYPE.target, digest: `sha256:${f.sha256}`, size: f.length };
    await copyBlob(from, to, blob, opts);
  });
  const tags = new Set(
    changed.map(([p, f]) => {
      const loc = publishedTargetFile(p, f.sha256, f.length).loc;
      return loc.tag ?? loc.indexTag!;
    }),
  );
  await runPool([...tags], common.concurrency, async (tag) => {
    const at = await getOrUndefined(from, tag);
    // A source written by another tool may lack the manifest: the blobs are what clients read.
    if (!at) return;
    common.session.remember(from, at);
    await copyGraph(from, to, at.descriptor, { ...opts, tag });
  });
  return { count: files.size, assumeAbsent };
}

async function getOrUndefined(store: OciStore, tag: string): Promise<ManifestResult | undefined> {
  try {
    return await store.getManifest(tag);
  } catch (e) {
    if (e instanceof OciError && e.kind === 'not-found') return undefined;
    throw e;
  }
}

async function hasNoTags(store: OciStore): Promise<boolean> {
  try {
    return (await store.listTags()).length === 0;
  } catch (e) {
    if (e instanceof OciError && e.kind === 'not-found') return true;
    throw e;
  }
}

/** The destination's newest `N.root.json`, as it trusts it now. */
async function newestRoot(
  end: MirrorEnd,
): Promise<{ bytes: Uint8Array; from: string } | undefined> {
  const latest = await end.repo.latest();
  const versions = (latest?.layers ?? [])
    .map((l) => /^([1-9][0-9]*)\.root\.json$/.exec(l.annotations?.[TUF_FILENAME_ANNOTATION] ?? ''))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => Number(m[1]));
  if (versions.length === 0) return undefined;
  const newest = Math.max(...versions);
  const bytes = await end.repo.readMetadata(`${newest}.root.json`);
  return bytes && { bytes, from: `${end.name}'s ${newest}.root.json` };
}

/** The destination's timestamp version as published (unverified; only to refuse going back). */
async function timestampVersionAt(repo: TufOciRepo): Promise<number | undefined> {
  const bytes = await repo.readMetadata('timestamp.json');
  if (!bytes) return undefined;
  try {
    const doc = JSON.parse(Buffer.from(bytes).toString('utf8')) as {
      signed?: { version?: unknown };
    };
    return typeof doc.signed?.version === 'number' ? doc.signed.version : undefined;
  } catch {
    return undefined;
  }
}
