import { describeAll } from '../../lib/event/compact.js';
import { statusText } from '../../lib/event/render.js';
import { readInvites } from '../../lib/event/invites.js';
import { acceptInvites, applySignatures, planSigning } from '../../lib/event/sign.js';
import { eventStatus, unsignedKeysOf } from '../../lib/event/status.js';
import type { EventStatus } from '../../lib/event/status.js';
import { loadOfflineRoles } from '../../lib/event/load.js';
import { GitRevReader } from '../../lib/event/base.js';
import { behindDefault } from '../../lib/event/open-events.js';
import { updateEvent } from '../../lib/event/update.js';
import { UserError } from '../../lib/errors.js';
import { binGroups, compactRoleNames } from '../../lib/tuf/bins.js';
import { withRollback } from '../../lib/util/transaction.js';
import type { ConfigFlags, Ctx } from '../context.js';
import { eventIo, makeSigner, repoOf, signerConfig } from '../context.js';
import { commitAndPush, openEvent } from '../../lib/event/workflow.js';

export interface SignOpts extends ConfigFlags {
  yes?: boolean;
  push: boolean;
}

export async function signCommand(ctx: Ctx, event: string, o: SignOpts): Promise<void> {
  const cfg = signerConfig(ctx, o);
  const io = eventIo(ctx, cfg);
  const ev = await openEvent(io, event, { mustExist: true });
  const repo = repoOf(ctx);
  const pending = await updateEvent(repo, ev.base, ctx.now(), { dryRun: true, event });
  if (pending.written.length)
    throw new UserError(
      `event ${event}: waiting for CI to update this event (or run \`tufci event update\`): the metadata of ${pending.writtenText} does not match the branch yet`,
    );
  // nothing for this signer: say so before asking for a key (or touching a YubiKey)
  const loaded = loadOfflineRoles(repo);
  const before = await eventStatus(loaded, ev.base, readInvites(repo.dir));
  const tip = new GitRevReader(ev.git, `${cfg.pullRemote}/${ev.defaultBranch}`);
  const behind = await behindDefault(
    before.roles.map((r) => r.role),
    ev.base,
    tip,
  );
  if (behind.length)
    throw new UserError(
      `event ${event}: behind ${ev.defaultBranch} on ${behind.map((b) => b.role).join(', ')} (changed there since the event began): waiting for CI to bring it up to date (or run \`tufci event update --push\`); a signature now would be over metadata that cannot be merged`,
    );
  const invited = (before.invites[cfg.user] ?? []).length > 0;
  if (!invited && !before.roles.some((r) => unsignedKeysOf(r, cfg.user).length)) {
    ctx.out(nothingLeft(before, cfg.user, event));
    return;
  }
  const signer = await makeSigner(ctx, cfg);
  await withRollback(ctx.cwd, ['metadata'], async () => {
    const joined = await acceptInvites(repo, cfg.user, signer);
    if (joined.length) {
      await updateEvent(repo, ev.base, ctx.now(), { event });
      ctx.out(
        `Accepted the invite: your key (${signer.description}) now signs ${joined.join(', ')}.`,
      );
    }
    // no invite accepted: nothing was written since `before`, whose roles are the plan's
    const plan = await planSigning(
      repo,
      ev.base,
      cfg.user,
      signer,
      joined.length ? undefined : { roles: loaded, status: before },
    );
    if (!plan.toSign.length) {
      if (joined.length) {
        await commitAndPush(io, ev, `Accept invite for ${cfg.user}: ${joined.join(', ')}`, o.push);
        return;
      }
      ctx.out(nothingLeft(plan.status, cfg.user, event));
      return;
    }
    const names = compactRoleNames(
      plan.toSign.map((c) => c.role),
      binGroups(plan.roles),
    );
    ctx.out(`You (${cfg.user}) are asked to sign ${names} in ${event}.`);
    ctx.out('');
    for (const l of describeAll(plan.toSign, plan.status.roles)) ctx.out(l);
    ctx.out('');
    if (!o.yes) {
      if (!ctx.confirm)
        throw new UserError('not a terminal: pass --yes to sign without the question');
      if (!(await ctx.confirm(`Sign ${names} with ${signer.description}?`))) {
        throw new UserError('not signed: you declined');
      }
    }
    const signed = await applySignatures(repo, plan, signer, ctx.now());
    const signedNames = compactRoleNames(signed, binGroups(plan.roles));
    ctx.out(`Signed ${signedNames}.`);
    const msg = `Signed by ${cfg.user}: ${signedNames}${joined.length ? ` (invite accepted for ${joined.join(', ')})` : ''}`;
    await commitAndPush(io, ev, msg, o.push);
    // not planSigning: it refuses when the rest is for another key of this user (a rotation);
    // plan.roles are the envelopes just signed and written, so nothing is read again
    const after = await eventStatus(plan.roles, ev.base, readInvites(repo.dir));
    for (const l of statusText(event, after)) ctx.out(l);
    const others = after.roles.flatMap((r) =>
      r.complete
        ? []
        : unsignedKeysOf(r, cfg.user)
            .filter((id) => !plan.mine.includes(id))
            .map((id) => `${r.role} (keyid ${id.slice(0, 12)})`),
    );
    if (others.length)
      ctx.out(
        `Another key of yours is still needed for ${others.join(', ')}: run \`tufci sign ${event}\` ` +
          'again with that key (in a key rotation, your previous YubiKey or key file).',
      );
  });
}

/** The message for a signer with nothing left to sign in an event (exit 0). */
function nothingLeft(status: EventStatus, user: string, event: string): string {
  const signed = status.roles.some((r) =>
    [r.current, r.previous].some((q) => q?.signers.some((x) => x.name === user && x.signed)),
  );
  return `Nothing left to do: no signature is required from ${user} in ${event} (${signed ? 'you have signed it already' : 'you do not sign the roles it changes'}).`;
}
