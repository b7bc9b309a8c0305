import { readFileSync } from 'node:fs';
import { initRepository } from '../../lib/event/init.js';
import { addProjectsLayout } from '../../lib/event/projects.js';
import { normalizeUser } from '../../lib/event/invites.js';
import { signOwnChanges } from '../../lib/event/sign.js';
import { updateEvent } from '../../lib/event/update.js';
import { UsageError, UserError } from '../../lib/errors.js';
import { checkOnlineUri } from '../../lib/signers/online/index.js';
import type { TufPublicKey } from '../../lib/tuf/types.js';
import { tufKeyFromPublicPem } from '../../lib/tuf/keys.js';
import { withRollback } from '../../lib/util/transaction.js';
import type { ConfigFlags, Ctx } from '../context.js';
import { eventIo, makeSigner, parseKeyPairs, repoOf, signerConfig } from '../context.js';
import { commitAndPush, openEvent } from '../../lib/event/workflow.js';

export function readPublicKey(path: string, flag: string): TufPublicKey {
  let pem: string;
  try {
    pem = readFileSync(path, 'utf8');
  } catch {
    throw new UserError(`${flag}: cannot read public key file ${path}`);
  }
  try {
    return tufKeyFromPublicPem(pem);
  } catch (e) {
    throw new UserError(`${flag} ${path}: ${(e as Error).message}`);
  }
}

export function userList(value: string | undefined, flag: string, fallback: string[]): string[] {
  if (value === undefined) return fallback;
  const users = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((u) => normalizeUser(u, flag));
  if (!users.length) throw new UserError(`${flag}: give at least one @user`);
  return users;
}

export function days(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0)
    throw new UserError(`${flag}: "${value}" is not a positive whole number of days`);
  return n;
}

export function intFlag(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new UserError(`${flag}: "${value}" is not a whole number of at least 1`);
  return n;
}

export interface InitOpts extends ConfigFlags {
  event: string;
  rootSigners?: string;
  rootThreshold?: string;
  targetsSigners?: string;
  targetsThreshold?: string;
  key?: string[];
  onlineKey: string;
  onlineUri: string;
  rootExpiry?: string;
  rootSigning?: string;
  targetsExpiry?: string;
  targetsSigning?: string;
  snapshotExpiry?: string;
  snapshotSigning?: string;
  timestampExpiry?: string;
  timestampSigning?: string;
  topLevelDirs?: boolean;
  layout?: string;
  bins?: string;
  push: boolean;
}

export async function initCommand(ctx: Ctx, o: InitOpts): Promise<void> {
  const cfg = signerConfig(ctx, o);
  if (!o.onlineKey)
    throw new UserError('--online-key: the public key of the online key (PEM) is required');
  checkOnlineUri(o.onlineUri, '--online-uri');
  const layout = o.layout ?? 'flat';
  if (layout !== 'flat' && layout !== 'projects')
    throw new UserError(`--layout: "${layout}" is not a layout (flat or projects)`);
  const bins = layout === 'projects' ? intFlag(o.bins ?? '16', '--bins') : undefined;
  if (layout === 'projects' && o.topLevelDirs)
    throw new UserError(
      '--top-level-dirs: not with --layout projects (projects own targets/<name>/)',
    );
  if (layout !== 'projects' && o.bins !== undefined)
    throw new UsageError(
      '--bins has no effect here: it sizes the projects layout (--layout projects)',
    );
  const rootSigners = userList(o.rootSigners, '--root-signers', [cfg.user]);
  const targetsSigners = userList(o.targetsSigners, '--targets-signers', [cfg.user]);
  // a maintainer who does not sign sets the repository up with every signer invited
  const signs = rootSigners.includes(cfg.user) || targetsSigners.includes(cfg.user);
  if (!signs && (o.keyfile !== undefined || o.method !== undefined))
    throw new UsageError(
      `${o.keyfile !== undefined ? '--keyfile' : '--method'} has no effect here: you (${cfg.user}) are not among --root-signers or --targets-signers, so you sign nothing`,
    );
  for (const u of Object.keys(parseKeyPairs(o.key))) {
    if (!rootSigners.includes(u) && !targetsSigners.includes(u))
      throw new UsageError(
        `--key ${u} has no effect here: ${u} is not among --root-signers (${rootSigners.join(',')}) or --targets-signers (${targetsSigners.join(',')})`,
      );
    if (u === cfg.user && signs)
      throw new UsageError(
        `--key ${u} has no effect here: that is you, and your key is the one you sign with (--keyfile, or .tufci.yaml)`,
      );
  }
  const io = eventIo(ctx, cfg);
  const ev = await openEvent(io, o.event);
  const repo = repoOf(ctx);
  const signer = signs ? await makeSigner(ctx, cfg) : undefined;
  const knownKeys = Object.fromEntries(
    Object.entries(parseKeyPairs(o.key)).map(([u, p]) => [u, readPublicKey(p, `--key ${u}`)]),
  );
  await withRollback(ctx.cwd, ['metadata'], async () => {
    const invites = initRepository(repo, {
      user: cfg.user,
      userKey: signer ? await signer.publicKey() : undefined,
      knownKeys,
      root: {
        signers: rootSigners,
        threshold: intFlag(o.rootThreshold, '--root-threshold') ?? 1,
        expiryDays: days(o.rootExpiry, '--root-expiry'),
        signingDays: days(o.rootSigning, '--root-signing'),
      },
      targets: {
        signers: targetsSigners,
        threshold: intFlag(o.targetsThreshold, '--targets-threshold') ?? 1,
        expiryDays: days(o.targetsExpiry, '--targets-expiry'),
        signingDays: days(o.targetsSigning, '--targets-signing'),
      },
      onlineKey: readPublicKey(o.onlineKey, '--online-key'),
      onlineUri: o.onlineUri,
      snapshot: {
        expiryDays: days(o.snapshotExpiry, '--snapshot-expiry'),
        signingDays: days(o.snapshotSigning, '--snapshot-signing'),
      },
      timestamp: {
        expiryDays: days(o.timestampExpiry, '--timestamp-expiry'),
        signingDays: days(o.timestampSigning, '--timestamp-signing'),
      },
      topLevelDirs: o.topLevelDirs,
      now: ctx.now(),
    });
    if (layout === 'projects') {
      addProjectsLayout(repo, bins!, ctx.now());
      ctx.out(
        `Projects layout: targets → claimed (targets signers) and recently-claimed (online key), ${bins} bins each.`,
      );
    }
    await updateEvent(repo, ev.base, ctx.now(), { event: o.event });
    if (signer) {
      const signed = await signOwnChanges(repo, ev.base, cfg.user, signer, ctx.now());
      ctx.out(`Created root and targets; signed ${signed.join(', ') || 'nothing'} as ${cfg.user}.`);
    } else
      ctx.out(
        `Created root and targets; you (${cfg.user}) do not sign them, so every signer is invited.`,
      );
    for (const [u, roles] of Object.entries(invites))
      ctx.out(`Invited ${u} to ${roles.join(', ')}: they run \`tufci sign ${o.event}\`.`);
    await commitAndPush(io, ev, `Initialise repository (${cfg.user})`, o.push);
  });
}
