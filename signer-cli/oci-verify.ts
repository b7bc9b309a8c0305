/**
 * `tufci verify` for OCI: a repository (`--from oci://HOST/REPO` or `oci-layout:DIR`,
 * optionally downloading `--target`), or an artifact (`oci://HOST/REPO@sha256:...` or
 * `:tag`), found through its pointer referrer or `--from`.
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { openTufSession } from '../lib/client/oci-client.js';
import { verifyArtifact, type ArtifactVerified } from '../lib/client/oci-verify.js';
import { assessChains, formatChains, requireOrigin } from '../lib/client/chains.js';
import type { Descriptor, OciStore } from '../lib/oci/index.js';
import { findPointers } from '../lib/publish/oci-pointer.js';
import { openOciLocation } from '../lib/publish/oci-destination.js';
import { writeUserFile } from '../lib/util/fs.js';
import {
  isOciLocation,
  parseLocation,
  type Location,
  type OciLocationSpec,
} from '../lib/location.js';
import {
  NotVerifiedError,
  TufciError,
  UserError,
  withContext,
  type ErrorCode,
} from '../lib/errors.js';
import type { Ctx } from './context.js';
import { timeoutMs } from './timeout.js';
import { registryAccess, type RegistryFlags } from './registry-flags.js';
import { trustDirFor, type CacheFlags } from './trust-cache.js';
import { openArtifact, parseArtifactRef } from './artifact-ref.js';

export interface OciVerifyOpts extends RegistryFlags, CacheFlags {
  root?: string;
  out?: string;
  target?: string;
  /** `--timeout SECONDS`: the deadline of one download. */
  timeout?: string;
  /** `--require-origin`: an imported chain (`import-*`) must sign the target alike. */
  requireOrigin?: boolean;
  /** Hand back the role that signs the artifact (for `tufci copy --signatures original`). */
  origin?: boolean;
}

/** What a verified artifact is, and the metadata repository it was verified in. */
export interface OciArtifactVerified extends ArtifactVerified {
  /** The metadata repository as named (`oci://HOST/REPO`, `oci-layout:DIR`). */
  metadata: string;
  descriptor: Descriptor;
}

function pinnedRoot(ctx: Ctx, o: OciVerifyOpts): Uint8Array {
  const file = resolve(ctx.cwd, o.root ?? join('metadata', 'root_history', '1.root.json'));
  if (!existsSync(file)) throw new UserError(`--root: ${file} not found; pin a trusted root.json`);
  return readFileSync(file);
}

function cacheFor(ctx: Ctx, o: OciVerifyOpts, name: string, root: Uint8Array): string {
  return trustDirFor(ctx, o, name, root, 'oci');
}

interface Candidate {
  via: string;
  /** The metadata repository as named (for messages and the cache key). */
  metadata: string;
  location?: OciLocationSpec;
  target?: string;
}

/** `tufci verify --from oci://…|oci-layout:…`: the repository, and `--target` if given. */
export async function verifyOciRepository(
  ctx: Ctx,
  from: OciLocationSpec,
  o: OciVerifyOpts,
): Promise<void> {
  const root = pinnedRoot(ctx, o);
  const access = registryAccess(ctx, o, from.kind === 'oci' ? [from.host] : [], {
    timeoutMs: timeoutMs(o),
  });
  return verifyRepositoryFrom(ctx, from, o, root, access);
}

/** `tufci verify ARTIFACT [--from oci://…]`: the artifact is a target of the repository. */
export async function verifyOciArtifact(
  ctx: Ctx,
  artifact: string,
  from: Location | undefined,
  o: OciVerifyOpts,
): Promise<OciArtifactVerified> {
  if (from !== undefined && !isOciLocation(from))
    throw new UserError(
      `--from "${from.spec}": an artifact is verified from oci://HOST/REPO or oci-layout:DIR`,
    );
  const root = pinnedRoot(ctx, o);
  const ref = parseArtifactRef(artifact, ctx.cwd);
  const named = [from?.kind === 'oci' ? from.host : undefined];
  if (ref.kind === 'registry') named.push(ref.host);
  const access = registryAccess(
    ctx,
    o,
    named.filter((h): h is string => !!h),
    { timeoutMs: timeoutMs(o) },
  );
  const { store, reference, label } = await openArtifact(ref, access);
  const descriptor: Descriptor = await withContext(
    `${label}: cannot read the artifact`,
    async () => (await store.getManifest(reference)).descriptor,
  );
  const candidates: Candidate[] = from
    ? [{ via: '--from', metadata: from.spec, location: from, target: o.target }]
    : await pointerCandidates(store, descriptor.digest, label, o.target);
  const failures: string[] = [];
  const codes = new Set<ErrorCode>();
  for (const c of candidates) {
    if (!c.location && !c.metadata.startsWith('oci://')) {
      failures.push(`${c.via}: names ${JSON.stringify(c.metadata)}, not an oci://HOST/REPO`);
      codes.add('user');
      continue;
    }
    try {
      const spec =
        c.location ??
        (parseLocation(c.metadata, {
          flag: 'metadata',
          cwd: ctx.cwd,
          accept: ['oci'],
        }) as OciLocationSpec);
      const location = await openOciLocation(spec, { registry: access });
      const ok = await verifyArtifact({
        artifact: descriptor,
        trustedRoot: root,
        source: location,
        name: c.metadata,
        cacheDir: cacheFor(ctx, o, c.metadata, root),
        now: ctx.now(),
        targetPath: c.target,
        chains: true,
        requireOrigin: o.requireOrigin === true,
        origin: o.origin === true,
      });
      ctx.out(
        `Verified ${label}: ${descriptor.digest} (${descriptor.size} bytes, ${descriptor.mediaType}) is signed as target ${JSON.stringify(ok.targetPath)} in ${c.metadata} (timestamp version ${ok.timestampVersion}).`,
      );
      for (const line of formatChains(ok.targetPath, ok.chains ?? [])) ctx.out(line);
      return { ...ok, metadata: c.metadata, descriptor };
    } catch (e) {
      failures.push(`${c.via}: ${(e as Error).message}`);
      codes.add(e instanceof TufciError ? e.code : 'internal');
    }
  }
  // One kind of failure keeps its code (a registry 401 stays a registry failure);
  // a refusal among others, or a mix, is a refusal to verify.
  const [only] = codes;
  const code: ErrorCode =
    codes.size === 1 && only !== 'internal' && only !== undefined ? only : 'not-verified';
  throw new TufciError(
    codes.size === 0 ? 'not-verified' : code,
    `${label} (${descriptor.digest}) is not verified:\n${failures.map((f) => `  - ${f}`).join('\n')}`,
  );
}

async function pointerCandidates(
  store: OciStore,
  digest: string,
  label: string,
  target: string | undefined,
): Promise<Candidate[]> {
  const pointers = await findPointers(store, digest);
  if (pointers.length === 0)
    throw new NotVerifiedError(
      `${label}: no TUF pointer is attached to ${digest}; pass --from oci://HOST/REPO naming the metadata repository`,
    );
  return pointers.map((p) => ({
    via: `pointer ${p.digest} (metadata ${p.metadata}, target ${JSON.stringify(p.target)})`,
    metadata: p.metadata,
    target: target ?? p.target,
  }));
}

async function verifyRepositoryFrom(
  ctx: Ctx,
  spec: OciLocationSpec,
  o: OciVerifyOpts,
  root: Uint8Array,
  access: ReturnType<typeof registryAccess>,
): Promise<void> {
  const from = spec.spec;
  const location = await openOciLocation(spec, { registry: access });
  const session = await openTufSession({
    trustedRoot: root,
    source: location,
    cacheDir: cacheFor(ctx, o, from, root),
    name: from,
    now: ctx.now(),
  });
  ctx.out(`Repository verified (timestamp version ${session.timestampVersion}).`);
  if (!o.target) return;
  const info = await withContext(from, () => session.updater.getTargetInfo(o.target!));
  if (!info)
    throw new NotVerifiedError(
      `${from}: target "${o.target}": not found in the repository's signed metadata`,
    );
  const file = join(mkdtempSync(join(tmpdir(), 'tufci-target-')), 'target');
  await withContext(from, () => session.updater.downloadTarget(info, file));
  const chains = assessChains(await session.updater.targetChains(o.target), info);
  if (o.requireOrigin) await withContext(from, async () => requireOrigin(o.target!, chains));
  if (o.out) writeUserFile(resolve(ctx.cwd, o.out), { copyOf: file });
  ctx.out(
    `Target ${JSON.stringify(o.target)} verified: ${info.length} bytes, sha256 ${info.hashes.sha256}${o.out ? `, written to ${o.out}` : ''}.`,
  );
  for (const line of formatChains(o.target, chains)) ctx.out(line);
}
