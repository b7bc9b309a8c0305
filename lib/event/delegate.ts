import { UsageError, UserError } from '../errors.js';
import type { TufPublicKey } from '../tuf/types.js';
import { addDays, tufDate } from '../tuf/envelope.js';
import { keyidIn } from '../tuf/key-identity.js';
import { checkRoleName } from '../tuf/names.js';
import type { RepoDir } from '../tuf/repo.js';
import { checkThreshold } from '../tuf/roles.js';
import { checkTargetPath } from '../tuf/target-files.js';
import { EXPIRY_PERIOD, KEYOWNER, SIGNING_PERIOD, isOnlineRole } from '../tuf/types.js';
import type { KeyJson, RoleKeysJson, TargetsSigned } from '../tuf/types.js';
import { readInvites, writeInvites } from './invites.js';

export interface DelegateOptions {
  role: string;
  /** The complete new list of signers (`@user`); omitted: unchanged. */
  signers?: string[];
  threshold?: number;
  expiryDays?: number;
  signingDays?: number;
  /** Delegated roles only: path patterns; default for a new role: defaultPaths(role). */
  paths?: string[];
  /** Public keys to use for signers (otherwise an existing key of that owner, else an invite). */
  knownKeys?: Record<string, TufPublicKey>;
  now: Date;
}

/** How many directory levels below `targets/<role>/` a new role's default paths cover. */
const DEFAULT_DEPTH = 4;

/** A role's default path patterns: files in `<role>/` and in its subdirectories, `depth` levels in all. */
export function defaultPaths(role: string, depth = DEFAULT_DEPTH): string[] {
  return Array.from({ length: Math.max(1, depth) }, (_, i) => `${role}${'/*'.repeat(i + 1)}`);
}

/** Every key in the repository that belongs to `user` (root keys, then delegation keys). */
function keysOwnedBy(all: Record<string, KeyJson>, user: string): [string, KeyJson][] {
  return Object.entries(all).filter(([, k]) => k[KEYOWNER] === user);
}

/**
 * Creates or changes a role: signers, threshold, expiry and signing periods, paths.
 * Signers who have no key yet are invited. Run `updateEvent` afterwards to bump versions.
 */
export function delegate(repo: RepoDir, o: DelegateOptions): { invited: string[] } {
  checkRoleName(o.role, 'role');
  const root = repo.root();
  const targets = repo.targets();
  const invites = readInvites(repo.dir);
  const invited: string[] = [];
  const allKeys = { ...(targets.signed.delegations?.keys ?? {}), ...root.signed.keys };
  const topLevel = Object.hasOwn(root.signed.roles, o.role);

  let entry: RoleKeysJson & { paths?: string[] };
  let keyHolder: Record<string, KeyJson>;
  let isNew = false;
  if (topLevel) {
    entry = root.signed.roles[o.role]!;
    keyHolder = root.signed.keys;
    if (o.paths)
      throw new UsageError(
        `--paths has no effect here: ${o.role} is a top-level role, and only delegated roles have paths`,
      );
  } else {
    const t = targets.signed as TargetsSigned;
    t.delegations ??= { keys: {}, roles: [] };
    t.delegations.roles ??= [];
    keyHolder = t.delegations.keys;
    let d = t.delegations.roles.find((r) => r.name === o.role);
    if (!d) {
      if (!o.signers?.length)
        throw new UserError(`--signers: role ${o.role} is new, so it needs signers`);
      d = {
        name: o.role,
        keyids: [],
        threshold: 1,
        terminating: true,
        paths: defaultPaths(o.role),
      };
      t.delegations.roles.push(d);
      isNew = true;
    }
    entry = d;
    if (o.paths) {
      if (!o.paths.length)
        throw new UserError('--paths: give at least one path pattern (e.g. app/*)');
      for (const p of o.paths) checkTargetPath(p, '--paths');
      d.paths = o.paths;
    }
  }
  if (o.signers && isOnlineRole(o.role))
    throw new UsageError(
      `--signers has no effect here: ${o.role} is signed by the online key (change it with a new online key in root)`,
    );

  let pendingInvites = Object.values(invites).filter((r) => r.includes(o.role)).length;
  if (o.signers) {
    const keyids: string[] = [];
    for (const user of o.signers) {
      const known = o.knownKeys?.[user];
      if (known) {
        // a key the repository already lists keeps its keyid (legacy or not)
        const id = keyidIn({ ...allKeys, ...keyHolder }, known);
        keyHolder[id] = { ...known, [KEYOWNER]: user };
        keyids.push(id);
        continue;
      }
      const owned = keysOwnedBy(allKeys, user);
      if (owned.length) {
        for (const [id, k] of owned.slice(0, 1)) {
          keyHolder[id] = k;
          keyids.push(id);
        }
      } else if (!(invites[user] ?? []).includes(o.role)) {
        (invites[user] ??= []).push(o.role);
        invited.push(user);
      }
    }
    for (const [u, r] of Object.entries(invites))
      if (!o.signers.includes(u)) invites[u] = r.filter((x) => x !== o.role);
    entry.keyids = keyids;
    pendingInvites = Object.values(invites).filter((r) => r.includes(o.role)).length;
  }
  if (o.threshold !== undefined) entry.threshold = o.threshold;
  checkThreshold(`--threshold for role ${o.role}`, entry, pendingInvites);

  const periodHolder: Record<string, unknown> = isOnlineRole(o.role) ? entry : {};
  if (o.expiryDays !== undefined) periodHolder[EXPIRY_PERIOD] = o.expiryDays;
  if (o.signingDays !== undefined) periodHolder[SIGNING_PERIOD] = o.signingDays;

  const roleEnv = isNew
    ? {
        signed: {
          _type: 'targets' as const,
          spec_version: '1.0.31',
          version: 1,
          expires: tufDate(addDays(o.now, o.expiryDays ?? 365)),
          targets: {},
        },
        signatures: [],
      }
    : o.role === 'root'
      ? root
      : o.role === 'targets'
        ? targets
        : isOnlineRole(o.role)
          ? undefined
          : repo.readRole(o.role);
  if (roleEnv && !isOnlineRole(o.role)) Object.assign(roleEnv.signed, periodHolder);

  if (roleEnv && o.role !== 'root' && o.role !== 'targets') repo.writeRole(o.role, roleEnv);
  // root may still carry the known-good version here; updateEvent bumps it and keeps the history
  pruneUnusedKeys(root.signed.keys, Object.values(root.signed.roles));
  const d = targets.signed.delegations;
  if (d)
    pruneUnusedKeys(d.keys, [...(d.roles ?? []), ...(d.succinct_roles ? [d.succinct_roles] : [])]);
  repo.writeRole('root', root, { history: false });
  repo.writeRole('targets', targets);
  writeInvites(repo.dir, invites);
  return { invited };
}

/** Drops keys no role refers to any more (a replaced signer's old key). */
function pruneUnusedKeys(keys: Record<string, KeyJson>, roles: { keyids: string[] }[]): void {
  const used = new Set(roles.flatMap((r) => r.keyids));
  for (const id of Object.keys(keys)) if (!used.has(id)) delete keys[id];
}
