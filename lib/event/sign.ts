import { SignerError, UserError } from '../errors.js';
import type { Signer } from '../signers/signer.js';
import { signedBytes } from '../tuf/envelope.js';
import { keyidIn, keyidsOf } from '../tuf/key-identity.js';
import { keyId } from '../tuf/keys.js';
import type { MetadataReader, RepoDir } from '../tuf/repo.js';
import { KEYOWNER } from '../tuf/types.js';
import { roleKeys } from '../tuf/roles.js';
import type { Envelope, KeyJson, RootSigned } from '../tuf/types.js';
import { knownKeys, roleChanges } from './changes.js';
import type { RoleChanges } from './changes.js';
import { readInvites, writeInvites } from './invites.js';
import { loadOfflineRoles } from './load.js';
import { eventStatus, unsignedKeysOf } from './status.js';
import type { EventStatus } from './status.js';

/**
 * Accepts `user`'s invites: adds the signer's public key (with its owner) to each
 * role the user was invited to, and removes the invites. Returns the roles joined.
 */
export async function acceptInvites(
  repo: RepoDir,
  user: string,
  signer: Signer,
): Promise<string[]> {
  const invites = readInvites(repo.dir);
  const roles = invites[user] ?? [];
  if (!roles.length) return [];
  const pub = await signer.publicKey();
  const key: KeyJson = { ...pub, [KEYOWNER]: user };
  const root = repo.root();
  const targets = repo.has('targets') ? repo.targets() : undefined;
  // a key the repository already lists (under a legacy keyid, say) keeps that keyid
  const id = keyidIn({ ...(targets?.signed.delegations?.keys ?? {}), ...root.signed.keys }, pub);
  let rootTouched = false;
  let targetsTouched = false;
  for (const role of roles) {
    const entry = Object.hasOwn(root.signed.roles, role) ? root.signed.roles[role] : undefined;
    if (entry) {
      root.signed.keys[id] = { ...(root.signed.keys[id] ?? key), [KEYOWNER]: user };
      if (!entry.keyids.includes(id)) entry.keyids.push(id);
      rootTouched = true;
      continue;
    }
    const d = targets?.signed.delegations?.roles?.find((r) => r.name === role);
    if (!d || !targets?.signed.delegations) {
      throw new UserError(
        `metadata/.signing-event-state: ${user} is invited to role ${role}, which is not delegated`,
      );
    }
    const keys = targets.signed.delegations.keys;
    keys[id] = { ...(keys[id] ?? key), [KEYOWNER]: user };
    if (!d.keyids.includes(id)) d.keyids.push(id);
    targetsTouched = true;
  }
  delete invites[user];
  // the version bump (and root_history) follows in updateEvent
  if (rootTouched) repo.writeRole('root', root, { history: false });
  if (targetsTouched && targets) repo.writeRole('targets', targets);
  writeInvites(repo.dir, invites);
  return roles;
}

export interface SignPlan {
  status: EventStatus;
  /** Roles this signer will sign, with what changed in each. */
  toSign: RoleChanges[];
  /** The exact envelopes shown and signed. */
  roles: Map<string, Envelope>;
  /** The signer's spec keyid (for messages). */
  keyid: string;
  /** Per role to sign: the keyids the role lists this signer's key under (the repository's, legacy or not). */
  keyids: Map<string, string[]>;
  /** Every keyid that lists this signer's key in the roles shown. */
  mine: string[];
}

/**
 * Works out which roles `user` must sign with `signer`'s key, and what they change.
 * `loaded`: the roles of the work tree and their status, when the caller has them and
 * nothing was written since (1,024 hash bins are then not read and compared again).
 */
export async function planSigning(
  repo: RepoDir,
  base: MetadataReader,
  user: string,
  signer: Signer,
  loaded?: { roles: Map<string, Envelope>; status: EventStatus },
): Promise<SignPlan> {
  const roles = loaded?.roles ?? loadOfflineRoles(repo);
  const status = loaded?.status ?? (await eventStatus(roles, base, readInvites(repo.dir)));
  const pub = await signer.publicKey();
  const keyid = keyId(pub);
  const toSign: RoleChanges[] = [];
  const keyids = new Map<string, string[]>();
  const mismatched: string[] = [];
  const known = await knownKeys(base);
  const root = roles.get('root')!.signed as RootSigned;
  const baseRoot = (await base.read('root'))?.signed as RootSigned | undefined;
  for (const r of status.roles) {
    if (r.imported) continue; // the source's signatures: never signed here
    const mine = unsignedKeysOf(r, user);
    if (!mine.length) continue;
    // matched by key material: a legacy keyid that is not the spec hash still names this key
    const keys = { ...(baseRoot?.keys ?? {}), ...(roleKeys(r.role, root, roles)?.keys ?? {}) };
    const ids = keyidsOf(pub, keys, mine);
    if (ids.length) {
      keyids.set(r.role, ids);
      toSign.push(roleChanges(r.role, await base.read(r.role), roles.get(r.role)!, known));
    } else
      mismatched.push(`${r.role} (expects keyid ${mine.map((k) => k.slice(0, 12)).join(' or ')})`);
  }
  if (!toSign.length && mismatched.length) {
    throw new SignerError(
      'key',
      `${signer.description} (keyid ${keyid.slice(0, 12)}) is not ${user}'s key in: ${mismatched.join(', ')}`,
    );
  }
  return { status, toSign, roles, keyid, keyids, mine: [...new Set([...keyids.values()].flat())] };
}

/** Signs exactly the envelopes of the plan (the bytes that were shown) and writes them. */
export async function applySignatures(
  repo: RepoDir,
  plan: SignPlan,
  signer: Signer,
  now: Date,
): Promise<string[]> {
  const signedRoles: string[] = [];
  const pending: [string, Envelope][] = [];
  for (const c of plan.toSign) {
    const env = plan.roles.get(c.role)!;
    if (new Date(env.signed.expires) <= now) {
      throw new UserError(
        `metadata/${c.role}.json: role ${c.role} expired on ${env.signed.expires}; run \`tufci event update\` to refresh it`,
      );
    }
    const sig = await signer.sign(signedBytes(env));
    const ids = plan.keyids.get(c.role) ?? [plan.keyid];
    env.signatures = [
      ...env.signatures.filter((s) => !ids.includes(s.keyid)),
      ...ids.map((keyid) => ({ keyid, sig })),
    ];
    pending.push([c.role, env]);
    signedRoles.push(c.role);
  }
  for (const [role, env] of pending) repo.writeRole(role, env);
  return signedRoles;
}

/**
 * Plans and applies in one step, for commands that sign what they just changed themselves
 * (init, delegate, add-artifact, project, key rotate): the roles signed.
 */
export async function signOwnChanges(
  repo: RepoDir,
  base: MetadataReader,
  user: string,
  signer: Signer,
  now: Date,
): Promise<string[]> {
  return applySignatures(repo, await planSigning(repo, base, user, signer), signer, now);
}
