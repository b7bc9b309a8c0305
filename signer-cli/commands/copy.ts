/**
 * `tufci copy SRC DST --event sign/NAME`: copy a registry artifact (its whole graph, digests
 * unchanged) into the destination registry and sign it there: run in the destination
 * repository's clone, it records the copy as a target in a signing event, which the
 * destination's signers sign in the usual flow. The source needs no TUF; with
 * `--source-root` the artifact is verified at the source first and refused (nothing
 * copied) when it does not verify.
 */
import { copyGraph, parseReference, type Descriptor } from '../../lib/oci/index.js';
import { UsageError, UserError, withContext } from '../../lib/errors.js';
import { parseLocation, type Location } from '../../lib/location.js';
import type { Ctx } from '../context.js';
import { repoOf } from '../context.js';
import { openArtifact, parseArtifactRef } from '../artifact-ref.js';
import { registryAccess } from '../registry-flags.js';
import type { CacheFlags } from '../trust-cache.js';
import { addArtifact, type AddArtifactOpts } from './oci-add-artifact.js';

export interface CopyOpts extends AddArtifactOpts, CacheFlags {
  event: string;
  sourceRoot?: string;
  sourceFrom?: string;
}

/** True when a registry reference names a tag or digest (`HOST/REPO:TAG`, `…@sha256:…`). */
function hasReference(reference: string): boolean {
  try {
    const r = parseReference(reference.replace(/^oci:\/\//, ''));
    return !!(r.tag ?? r.digest);
  } catch {
    return true; // parseArtifactRef reports what is wrong with it
  }
}

export async function copyCommand(
  ctx: Ctx,
  source: string,
  destination: string,
  o: CopyOpts,
): Promise<void> {
  if (o.sourceFrom !== undefined && o.sourceRoot === undefined)
    throw new UsageError('--source-from: only with --source-root (it says where to verify from)');
  if (!repoOf(ctx).has('root'))
    throw new UserError(
      `${ctx.cwd}: no TUF repository here (metadata/root.json missing); run tufci copy in a clone of the destination repository, or create one with \`tufci init\``,
    );
  if (destination.startsWith('oci-layout:') || destination.startsWith('/'))
    throw new UserError(
      `${destination}: the destination is a registry (oci://HOST/REPO[:TAG]): the copy is signed where clients fetch it`,
    );
  const src = parseArtifactRef(source, ctx.cwd);
  const hosts = [src.kind === 'registry' ? src.host : undefined];

  // 1. verify at the source, when asked: nothing is copied from a source that does not verify
  if (o.sourceRoot !== undefined) {
    let from: Location | undefined;
    if (o.sourceFrom !== undefined)
      from = parseLocation(o.sourceFrom, {
        flag: 'source-from',
        cwd: ctx.cwd,
        accept: ['oci', 'oci-layout'],
      });
    const { verifyOciArtifact } = await import('../oci-verify.js');
    await verifyOciArtifact(ctx, source, from, {
      root: o.sourceRoot,
      registryUsername: o.registryUsername,
      registryPasswordFile: o.registryPasswordFile,
      plainHttp: o.plainHttp,
      ...(o.cache !== undefined ? { cache: o.cache } : {}),
    });
  }

  const srcAccess = registryAccess(
    ctx,
    o,
    hosts.filter((h): h is string => !!h),
  );
  const from = await openArtifact(src, srcAccess);
  const descriptor: Descriptor = await withContext(
    `${src.label}: cannot read the artifact`,
    async () => (await from.store.getManifest(from.reference)).descriptor,
  );

  // 2. the destination keeps the digest: a destination digest must be the same one
  const dstSpec = hasReference(destination) ? destination : `${destination}@${descriptor.digest}`;
  const dst = parseArtifactRef(dstSpec, ctx.cwd);
  if (dst.kind !== 'registry')
    throw new UserError(`${destination}: expected oci://HOST/REPO[:TAG]`);
  if (dst.reference.startsWith('sha256:') && dst.reference !== descriptor.digest)
    throw new UserError(
      `${destination}: names ${dst.reference}, but the source is ${descriptor.digest} (a copy keeps its digest)`,
    );
  const dstAccess = registryAccess(ctx, o, [dst.host]);
  const to = await openArtifact(dst, dstAccess);
  const report = await withContext(`copy to ${dst.host}/${dst.repository}`, () =>
    copyGraph(from.store, to.store, descriptor, dst.tag ? { tag: dst.tag } : {}),
  );
  ctx.out(
    `Copied ${src.label} to ${dst.host}/${dst.repository}${dst.tag ? `:${dst.tag}` : ''}: ${descriptor.digest} (${report.manifestsCopied} manifest(s), ${report.blobsCopied} blob(s) sent, ${report.blobsPresent} already there).`,
  );

  // 3. sign it in the destination's event, by digest: the tag may move, the digest does not
  const rest: AddArtifactOpts = {
    user: o.user,
    pullRemote: o.pullRemote,
    pushRemote: o.pushRemote,
    keyfile: o.keyfile,
    method: o.method,
    registryUsername: o.registryUsername,
    registryPasswordFile: o.registryPasswordFile,
    plainHttp: o.plainHttp,
    sign: o.sign,
    push: o.push,
  };
  const path =
    o.path ?? (dst.tag ? `${dst.repository}:${dst.tag}` : `${dst.repository}@${descriptor.digest}`);
  await addArtifact(ctx, o.event, `oci://${dst.host}/${dst.repository}@${descriptor.digest}`, {
    ...rest,
    path,
  });
}
