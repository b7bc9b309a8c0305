/**
 * `tufci copy SRC DST --event sign/NAME`: copy a registry artifact (its whole graph, digests
 * unchanged) into the destination registry and sign it there: run in the destination
 * repository's clone, it records the copy as a target in a signing event, which the
 * destination's signers sign in the usual flow. The source needs no TUF; with
 * `--source-root` the artifact is verified at the source first and refused (nothing
 * copied) when it does not verify.
 */
import { copyGraph, parseReference, type Descriptor, type OciStore } from '../../lib/oci/index.js';
import { UsageError, UserError, withContext } from '../../lib/errors.js';
import { parseLocation, type Location } from '../../lib/location.js';
import type { Ctx } from '../context.js';
import { repoOf } from '../context.js';
import { openArtifact, parseArtifactRef } from '../artifact-ref.js';
import { registryAccess } from '../registry-flags.js';
import type { CacheFlags } from '../trust-cache.js';
import { addArtifact, type AddArtifactOpts } from './oci-add-artifact.js';
import { NotVerifiedError } from '../../lib/errors.js';
import { describeChanges } from '../../lib/event/changes.js';
import { importRole } from '../../lib/event/import.js';
import { eventReport } from '../../lib/event/report.js';
import { signOwnChanges } from '../../lib/event/sign.js';
import { updateEvent } from '../../lib/event/update.js';
import { commitAndPush, openEvent } from '../../lib/event/workflow.js';
import { IMPORT_PREFIX } from '../../lib/tuf/imported.js';
import { checkRoleName } from '../../lib/tuf/names.js';
import { roleForTarget } from '../../lib/tuf/owner.js';
import { checkTargetPath } from '../../lib/tuf/target-files.js';
import type { TargetFileJson } from '../../lib/tuf/types.js';
import { withRollback } from '../../lib/util/transaction.js';
import { eventIo, makeSigner, signerConfig } from '../context.js';

export interface CopyOpts extends AddArtifactOpts, CacheFlags {
  event?: string;
  sourceRoot?: string;
  sourceFrom?: string;
  /** `--signatures original|none`: carry the source's signatures (an imported role) or not. */
  signatures?: string;
  /** `--import-name NAME`: the imported role is `import-NAME`. */
  importName?: string;
  /** `--add-signature`: with original signatures, the destination's own role lists it too. */
  addSignature?: boolean;
  /** `--refresh`: bring every imported role up to the source's newer version. */
  refresh?: boolean;
}

/** Checks the command's common preconditions: a TUF repository here, a registry destination. */
function checkDestination(ctx: Ctx, destination: string): void {
  if (!repoOf(ctx).has('root'))
    throw new UserError(
      `${ctx.cwd}: no TUF repository here (metadata/root.json missing); run tufci copy in a clone of the destination repository, or create one with \`tufci init\``,
    );
  if (destination.startsWith('oci-layout:') || destination.startsWith('/'))
    throw new UserError(
      `${destination}: the destination is a registry (oci://HOST/REPO[:TAG]): the copy is signed where clients fetch it`,
    );
}

/**
 * Verifies the artifact at the source as a client of its TUF repository would (from
 * `--source-from`, else where its pointer says), refusing what does not verify; with
 * `origin`, the result also holds the role that signs it, as verified.
 */
async function verifyAtSource(
  ctx: Ctx,
  source: string,
  root: string,
  o: CopyOpts,
  origin: boolean,
) {
  let from: Location | undefined;
  if (o.sourceFrom !== undefined)
    from = parseLocation(o.sourceFrom, {
      flag: 'source-from',
      cwd: ctx.cwd,
      accept: ['oci', 'oci-layout'],
    });
  const { verifyOciArtifact } = await import('../oci-verify.js');
  return verifyOciArtifact(ctx, source, from, {
    root,
    registryUsername: o.registryUsername,
    registryPasswordFile: o.registryPasswordFile,
    plainHttp: o.plainHttp,
    ...(origin ? { origin: true } : {}),
    ...(o.cache !== undefined ? { cache: o.cache } : {}),
  });
}

/** The destination as a registry reference; a digest it names must be the source's (a copy keeps its digest). */
function destinationRef(ctx: Ctx, destination: string, descriptor: Descriptor) {
  const spec = hasReference(destination) ? destination : `${destination}@${descriptor.digest}`;
  const dst = parseArtifactRef(spec, ctx.cwd);
  if (dst.kind !== 'registry')
    throw new UserError(`${destination}: expected oci://HOST/REPO[:TAG]`);
  if (dst.reference.startsWith('sha256:') && dst.reference !== descriptor.digest)
    throw new UserError(
      `${destination}: names ${dst.reference}, but the source is ${descriptor.digest} (a copy keeps its digest)`,
    );
  return dst;
}

/** Copies the artifact's whole graph into the destination (digests unchanged) and says what was sent. */
async function copyTo(
  ctx: Ctx,
  o: CopyOpts,
  label: string,
  from: OciStore,
  dst: ReturnType<typeof destinationRef>,
  descriptor: Descriptor,
): Promise<void> {
  const to = await openArtifact(dst, registryAccess(ctx, o, [dst.host]));
  const report = await withContext(`copy to ${dst.host}/${dst.repository}`, () =>
    copyGraph(from, to.store, descriptor, dst.tag ? { tag: dst.tag } : {}),
  );
  ctx.out(
    `Copied ${label} to ${dst.host}/${dst.repository}${dst.tag ? `:${dst.tag}` : ''}: ${descriptor.digest} (${report.manifestsCopied} manifest(s), ${report.blobsCopied} blob(s) sent, ${report.blobsPresent} already there).`,
  );
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
  source: string | undefined,
  destination: string | undefined,
  o: CopyOpts,
): Promise<void> {
  if (o.refresh) {
    if (source !== undefined || destination !== undefined || o.event !== undefined)
      throw new UsageError(
        '--refresh: takes no SOURCE, DESTINATION or --event (it refreshes every imported role on the checked-out branch)',
      );
    const { refreshImports } = await import('./copy-refresh.js');
    return refreshImports(ctx, o);
  }
  if (source === undefined || destination === undefined)
    throw new UsageError('copy: give SOURCE and DESTINATION (or --refresh)');
  if (o.event === undefined)
    throw new UsageError('--event: required (the signing event, sign/NAME)');
  const signatures = o.signatures ?? 'none';
  if (signatures !== 'none' && signatures !== 'original')
    throw new UsageError(`--signatures "${signatures}": original or none`);
  if (signatures === 'none' && (o.importName !== undefined || o.addSignature))
    throw new UsageError('--import-name and --add-signature: only with --signatures original');
  if (signatures === 'original') {
    if (o.sourceRoot === undefined)
      throw new UsageError(
        "--signatures original: needs --source-root (the source's signatures are verified before they are imported)",
      );
    return copyWithSignatures(ctx, source, destination, {
      ...o,
      event: o.event,
      sourceRoot: o.sourceRoot,
    });
  }
  const event = o.event;
  if (o.sourceFrom !== undefined && o.sourceRoot === undefined)
    throw new UsageError('--source-from: only with --source-root (it says where to verify from)');
  checkDestination(ctx, destination);
  const src = parseArtifactRef(source, ctx.cwd);
  const hosts = [src.kind === 'registry' ? src.host : undefined];

  // 1. verify at the source, when asked: nothing is copied from a source that does not verify
  if (o.sourceRoot !== undefined) await verifyAtSource(ctx, source, o.sourceRoot, o, false);

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
  const dst = destinationRef(ctx, destination, descriptor);
  await copyTo(ctx, o, src.label, from.store, dst, descriptor);

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
  await addArtifact(ctx, event, `oci://${dst.host}/${dst.repository}@${descriptor.digest}`, {
    ...rest,
    path,
  });
}

/** The default import name: the last segment of the source artifact's repository. */
function defaultImportName(repository: string): string {
  const last = repository.split('/').pop() ?? '';
  return last.replace(/[^A-Za-z0-9._-]/g, '-').replace(/^[^A-Za-z0-9]+/, '') || 'source';
}

/**
 * `--signatures original`: verify at the source, import the role that signs the artifact
 * (its bytes unchanged) under a delegation from targets, copy the artifact, and record all
 * of it in the signing event; with `--add-signature` the destination's own role lists the
 * same target too. Nothing is copied or recorded when the source does not verify.
 */
async function copyWithSignatures(
  ctx: Ctx,
  source: string,
  destination: string,
  o: CopyOpts & { event: string; sourceRoot: string },
): Promise<void> {
  checkDestination(ctx, destination);
  const src = parseArtifactRef(source, ctx.cwd);
  const ok = await verifyAtSource(ctx, source, o.sourceRoot, o, true);
  const origin = ok.origin!;
  const now = ctx.now();
  if (new Date(origin.expires) <= now)
    throw new NotVerifiedError(
      `${ok.metadata}: the source's role ${origin.role} (version ${origin.version}) expired on ${origin.expires}; nothing copied (the source must sign a newer version first)`,
    );
  if (o.path !== undefined && o.path !== ok.targetPath)
    throw new UsageError(
      `--path "${o.path}": with --signatures original the target keeps the source's name, ${JSON.stringify(ok.targetPath)}`,
    );
  const descriptor = ok.descriptor;
  const dst = destinationRef(ctx, destination, descriptor);
  const name =
    o.importName ?? defaultImportName(src.kind === 'registry' ? src.repository : 'source');
  const role = `${IMPORT_PREFIX}${name}`;
  checkRoleName(role, '--import-name');

  const cfg = signerConfig(ctx, o);
  const io = eventIo(ctx, cfg);
  const ev = await openEvent(io, o.event);
  const repo = repoOf(ctx);
  await withRollback(ctx.cwd, ['metadata'], async () => {
    // 1. the import, checked before anything is copied (a name clash copies nothing)
    const res = importRole(repo, {
      role,
      bytes: origin.bytes,
      keys: origin.keys,
      keyids: origin.keyids,
      threshold: origin.threshold,
      paths: [ok.targetPath],
      source: { repository: ok.metadata, role: origin.role },
    });
    if (o.addSignature) {
      // the destination's own role lists the same length, hashes and custom
      const path = ok.targetPath;
      checkTargetPath(path, 'target');
      const own = roleForTarget(
        (r) => (r !== role && repo.has(r) ? repo.targets(r).signed : undefined),
        path,
      );
      if (own === role)
        throw new UserError(
          `target ${JSON.stringify(path)}: no role of this repository signs it besides ${role}`,
        );
      const env = repo.targets(own);
      const entry: TargetFileJson = {
        length: origin.info.length,
        hashes: { ...origin.info.hashes },
        ...(origin.info.custom ? { custom: origin.info.custom as Record<string, unknown> } : {}),
      };
      env.signed.targets[path] = entry;
      repo.writeRole(own, env);
      ctx.out(
        `Added target ${JSON.stringify(path)} in role ${own} too (the destination's own signature, alike).`,
      );
    }

    // 2. the artifact, by the digest that verified
    const srcAccess = registryAccess(ctx, o, src.kind === 'registry' ? [src.host] : []);
    const fromArt = await openArtifact(src, srcAccess);
    await copyTo(ctx, o, src.label, fromArt.store, dst, descriptor);
    const keys = origin.keyids.map((k) => k.slice(0, 12)).join(', ');
    const account = `${role}: role "${origin.role}" of ${ok.metadata}, version ${origin.version} (expires ${origin.expires}), byte for byte; its keys ${keys}, threshold ${origin.threshold}; delegated from targets, terminating, for ${JSON.stringify(ok.targetPath)}`;
    ctx.out(`${res.created ? 'Imported' : 'Import updated'}: ${account}.`);

    // 3. the event: the destination's signers sign the delegation (and --add-signature's entry)
    await updateEvent(repo, ev.base, now, { event: o.event });
    const rep = await eventReport(repo, ev.base, now);
    for (const c of rep.changes) for (const l of describeChanges(c)) ctx.out(l);
    if (o.sign) {
      const signer = await makeSigner(ctx, cfg);
      const signed = await signOwnChanges(repo, ev.base, cfg.user, signer, now);
      if (signed.length) ctx.out(`Signed ${signed.join(', ')} as ${cfg.user}.`);
    }
    await commitAndPush(
      io,
      ev,
      `Copy ${ok.targetPath} with the source's signatures (${cfg.user})\n\nImported ${account}.`,
      o.push,
    );
  });
}
