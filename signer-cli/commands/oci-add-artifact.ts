/** `tufci add-artifact <event> oci://HOST/REPO@sha256:…`: sign an artifact that lives in a registry. */
import { addRegistryArtifact } from '../../lib/event/artifact.js';
import { describeChanges } from '../../lib/event/changes.js';
import { eventReport } from '../../lib/event/report.js';
import { signOwnChanges } from '../../lib/event/sign.js';
import { updateEvent } from '../../lib/event/update.js';
import type { Descriptor } from '../../lib/oci/index.js';
import { UserError } from '../../lib/errors.js';
import { withRollback } from '../../lib/util/transaction.js';
import type { ConfigFlags, Ctx } from '../context.js';
import { eventIo, makeSigner, repoOf, signerConfig } from '../context.js';
import { commitAndPush, openEvent } from '../../lib/event/workflow.js';
import { openArtifact, parseArtifactRef } from '../artifact-ref.js';
import { registryAccess, type RegistryFlags } from '../registry-flags.js';

export interface AddArtifactOpts extends ConfigFlags, RegistryFlags {
  path?: string;
  sign?: boolean;
  push: boolean;
}

export async function addArtifact(
  ctx: Ctx,
  event: string,
  reference: string,
  o: AddArtifactOpts,
): Promise<void> {
  const cfg = signerConfig(ctx, o);
  if (reference.startsWith('oci-layout:'))
    throw new UserError(`${reference}: sign artifacts that live in a registry (oci://HOST/REPO@…)`);
  const ref = parseArtifactRef(reference, ctx.cwd);
  const access = registryAccess(ctx, o, ref.kind === 'registry' ? [ref.host] : []);
  const art = await openArtifact(ref, access);
  let descriptor: Descriptor;
  try {
    descriptor = (await art.store.getManifest(art.reference)).descriptor;
  } catch (e) {
    throw new UserError(`${reference}: cannot read the artifact: ${(e as Error).message}`);
  }
  const path =
    o.path ?? (art.tag ? `${art.repository}:${art.tag}` : `${art.repository}@${descriptor.digest}`);

  const io = eventIo(ctx, cfg);
  const ev = await openEvent(io, event);
  const repo = repoOf(ctx);
  await withRollback(ctx.cwd, ['metadata'], async () => {
    const { role, replaced } = addRegistryArtifact(repo, {
      path,
      descriptor,
      source: art.source!,
    });
    ctx.out(
      `${replaced ? 'Replaced' : 'Added'} target ${JSON.stringify(path)} in role ${role}: ${descriptor.digest} (${descriptor.size} bytes, ${descriptor.mediaType}).`,
    );
    await updateEvent(repo, ev.base, ctx.now(), { event });
    const report = await eventReport(repo, ev.base, ctx.now());
    for (const c of report.changes) for (const l of describeChanges(c)) ctx.out(l);
    if (o.sign) {
      const signer = await makeSigner(ctx, cfg);
      const signed = await signOwnChanges(repo, ev.base, cfg.user, signer, ctx.now());
      if (signed.length) ctx.out(`Signed ${signed.join(', ')} as ${cfg.user}.`);
    }
    await commitAndPush(io, ev, `Registry artifact ${path} (${cfg.user})`, o.push);
  });
}
