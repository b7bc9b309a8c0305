import { delegate } from '../../lib/event/delegate.js';
import { delegateBins } from '../../lib/event/bins.js';
import { describeAll } from '../../lib/event/compact.js';
import { UsageError } from '../../lib/errors.js';
import { binBits } from '../../lib/tuf/bins.js';
import { eventReport } from '../../lib/event/report.js';
import { signOwnChanges } from '../../lib/event/sign.js';
import { updateEvent } from '../../lib/event/update.js';
import { withRollback } from '../../lib/util/transaction.js';
import type { ConfigFlags, Ctx } from '../context.js';
import { eventIo, makeSigner, parseKeyPairs, repoOf, signerConfig } from '../context.js';
import { commitAndPush, openEvent } from '../../lib/event/workflow.js';
import { days, intFlag, readPublicKey, userList } from './init.js';

export interface DelegateOpts extends ConfigFlags {
  signers?: string;
  threshold?: string;
  expiry?: string;
  signing?: string;
  paths?: string;
  key?: string[];
  bins?: string;
  online?: boolean;
  binPrefix?: string;
  sign: boolean;
  push: boolean;
}

export async function delegateCommand(
  ctx: Ctx,
  event: string,
  role: string,
  o: DelegateOpts,
): Promise<void> {
  // bad input is refused before the event branch is touched
  const bits = o.bins === undefined ? undefined : binBits(o.bins);
  const cfg = signerConfig(ctx, o);
  const signers = o.signers === undefined ? undefined : userList(o.signers, '--signers', []);
  const pairs = parseKeyPairs(o.key);
  for (const u of Object.keys(pairs))
    if (!signers?.includes(u))
      throw new UsageError(
        signers
          ? `--key ${u} has no effect here: ${u} is not in --signers (${signers.join(',')})`
          : `--key ${u} has no effect without --signers: give the complete new list of ${role}'s signers, ${u} among them (e.g. --signers ${u},…)`,
      );
  if (
    [o.signers, o.threshold, o.expiry, o.signing, o.paths, o.bins, o.online, o.binPrefix].every(
      (v) => v === undefined,
    )
  )
    throw new UsageError(
      `nothing to change in ${role}: give --signers, --threshold, --expiry, --signing, --paths or --bins`,
    );
  const knownKeys = Object.fromEntries(
    Object.entries(pairs).map(([u, p]) => [u, readPublicKey(p, `--key ${u}`)]),
  );
  const io = eventIo(ctx, cfg);
  const ev = await openEvent(io, event);
  const repo = repoOf(ctx);
  const bins = o.bins !== undefined || o.online === true || o.binPrefix !== undefined;
  if (bins)
    for (const [flag, v] of [
      ['--paths', o.paths],
      ['--expiry', o.expiry],
      ['--signing', o.signing],
    ] as const)
      if (v !== undefined)
        throw new UsageError(
          `${flag}: not with --bins (hash bins are chosen by hash; change ${role}'s own settings in a delegate command without --bins)`,
        );
  await withRollback(ctx.cwd, ['metadata'], async () => {
    if (bins)
      delegateBins(repo, {
        role,
        bits,
        online: o.online,
        prefix: o.binPrefix,
        signers,
        threshold: intFlag(o.threshold, '--threshold'),
        knownKeys,
      });
    const { invited } = bins
      ? { invited: [] as string[] }
      : delegate(repo, {
          role,
          signers,
          threshold: intFlag(o.threshold, '--threshold'),
          expiryDays: days(o.expiry, '--expiry'),
          signingDays: days(o.signing, '--signing'),
          paths: o.paths
            ?.split(',')
            .map((p) => p.trim())
            .filter(Boolean),
          knownKeys,
          now: ctx.now(),
        });
    await updateEvent(repo, ev.base, ctx.now(), { event });
    const report = await eventReport(repo, ev.base, ctx.now());
    for (const l of describeAll(report.changes, report.status.roles)) ctx.out(l);
    for (const u of invited) ctx.out(`Invited ${u} to ${role}: they run \`tufci sign ${event}\`.`);
    if (o.sign) {
      const signer = await makeSigner(ctx, cfg);
      const signed = await signOwnChanges(repo, ev.base, cfg.user, signer, ctx.now());
      if (signed.length) ctx.out(`Signed ${signed.join(', ')} as ${cfg.user}.`);
    }
    await commitAndPush(io, ev, `Delegation change for ${role} (${cfg.user})`, o.push);
  });
}
