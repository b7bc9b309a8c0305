/**
 * Verifies an OCI artifact by digest: the artifact's descriptor (digest, size) must be
 * a TUF target, with `custom.oci`, signed through the pinned root. The manifest bytes
 * are the target's bytes, so this is an ordinary TUF length-and-hash check.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { registryArtifactOf, type Descriptor } from '../oci/index.js';
import { NotVerifiedError, withContext } from '../errors.js';
import { assessChains, requireOrigin, type ChainReport } from './chains.js';
import { openTufSession, type TufSession } from './oci-client.js';
import type { OciSource } from './oci-fetcher.js';
import type { TargetOrigin } from './tuf-client.js';

export interface ArtifactVerified {
  targetPath: string;
  timestampVersion: number;
  /** The signed descriptor (`custom.oci`). */
  signed: Descriptor;
  /** With `chains` or `requireOrigin`: every chain that lists the target, and its status. */
  chains?: ChainReport[];
  /** With `origin`: the role that signs the target, its verified bytes and its delegator's rule. */
  origin?: TargetOrigin;
}

export interface VerifyArtifactOptions {
  /** The artifact as read from the registry by digest (digest and size of its manifest). */
  artifact: Descriptor;
  trustedRoot: Uint8Array;
  source: OciSource;
  /** Names the metadata repository in messages. */
  name: string;
  cacheDir: string;
  /** Reference time for delegated roles' expiry. */
  now: Date;
  /** The target path, when known (from a pointer or the user); else it is searched for. */
  targetPath?: string;
  /** Also report every chain of delegations that lists the target (see chains.ts). */
  chains?: boolean;
  /** Refuse a target no imported chain (`import-*`) signs alike (implies `chains`). */
  requireOrigin?: boolean;
  /** Also hand back the role that signs the target (for an import, see TufClient.targetOrigin). */
  origin?: boolean;
}

export async function verifyArtifact(o: VerifyArtifactOptions): Promise<ArtifactVerified> {
  const session = await openTufSession(o);
  const path = o.targetPath ?? (await findTargetByDigest(session, o.artifact.digest));
  const fail = (why: string): never => {
    throw new NotVerifiedError(`${o.artifact.digest} is not signed in ${o.name}: ${why}`);
  };
  if (!path)
    fail(
      'no target of the signed metadata has this digest (pass --target if a delegation uses hash bins)',
    );
  const info = await withContext(o.name, () => session.updater.getTargetInfo(path!));
  if (!info) fail(`target ${JSON.stringify(path)} is not in the signed metadata`);
  const signed = registryArtifactOf(info!.custom)?.descriptor;
  if (!signed)
    fail(`target ${JSON.stringify(path)} is a file, not a registry artifact (no custom.oci)`);
  const hex = o.artifact.digest.replace(/^sha256:/, '');
  if (signed!.digest !== o.artifact.digest || info!.hashes.sha256 !== hex)
    fail(`target ${JSON.stringify(path)} signs ${signed!.digest}, a different digest`);
  if (signed!.size !== o.artifact.size || info!.length !== o.artifact.size)
    fail(
      `target ${JSON.stringify(path)} signs ${info!.length} bytes, the artifact's manifest has ${o.artifact.size}`,
    );
  if (signed!.mediaType !== o.artifact.mediaType)
    fail(
      `target ${JSON.stringify(path)} signs media type ${signed!.mediaType}, the registry serves ${o.artifact.mediaType}`,
    );
  const out: ArtifactVerified = {
    targetPath: path!,
    timestampVersion: session.timestampVersion,
    signed: signed!,
  };
  if (o.origin) {
    const origin = await session.updater.targetOrigin(path!);
    if (!origin) fail(`target ${JSON.stringify(path)} is not in the signed metadata`);
    out.origin = origin!;
  }
  if (o.chains || o.requireOrigin) {
    out.chains = assessChains(await session.updater.targetChains(path!), info!);
    if (o.requireOrigin) await withContext(o.name, async () => requireOrigin(path!, out.chains!));
  }
  return out;
}

/**
 * The path of a target whose `custom.oci.digest` is `digest`: searched in targets.json,
 * then in the delegated roles tuf-js loads while looking up one path per delegation
 * pattern. The caller still asks tuf-js for that path, so the search decides nothing.
 */
async function findTargetByDigest(
  session: TufSession,
  digest: string,
): Promise<string | undefined> {
  const inCache = (): string | undefined => {
    for (const file of readdirSync(session.metadataDir)) {
      if (
        !file.endsWith('.json') ||
        ['root.json', 'timestamp.json', 'snapshot.json'].includes(file)
      )
        continue;
      const doc = JSON.parse(readFileSync(join(session.metadataDir, file), 'utf8')) as {
        signed?: { targets?: Record<string, { custom?: unknown }> };
      };
      for (const [path, t] of Object.entries(doc.signed?.targets ?? {}))
        if (registryArtifactOf(t.custom)?.descriptor.digest === digest) return path;
    }
    return undefined;
  };
  const found = inCache();
  if (found) return found;
  const targets = JSON.parse(readFileSync(join(session.metadataDir, 'targets.json'), 'utf8')) as {
    signed: { delegations?: { roles?: { paths?: string[] }[] } };
  };
  for (const role of targets.signed.delegations?.roles ?? []) {
    for (const pattern of role.paths ?? []) {
      await session.updater.getTargetInfo(pattern.replace(/[*?]/g, 'x')).catch(() => undefined);
    }
  }
  return inCache();
}
