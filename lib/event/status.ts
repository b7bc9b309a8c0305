import { sameJson, validSignatures } from '../tuf/envelope.js';
import { binGroups, isOnlineRule } from '../tuf/bins.js';
import { distinctKeyCount } from '../tuf/key-identity.js';
import type { MetadataReader } from '../tuf/repo.js';
import { ownerOf, roleKeys } from '../tuf/roles.js';
import type { RoleKeys } from '../tuf/roles.js';
import type { Envelope, RootSigned } from '../tuf/types.js';
import type { Invites } from './invites.js';
import { importedRoles, type ImportSource } from '../tuf/imported.js';

interface SignerState {
  name: string;
  keyid: string;
  signed: boolean;
}

export interface Requirement {
  threshold: number;
  signers: SignerState[];
  signedCount: number;
  met: boolean;
}

export interface RoleStatus {
  role: string;
  version: number;
  expires: string;
  /** The role's own signers (for root: the new root's root keys). */
  current: Requirement;
  /** Root only: the previous root's requirement, which a rotation must also meet. */
  previous?: Requirement;
  /** `@user`s invited to this role who have not accepted yet. */
  invites: string[];
  /** Signed by the online key (an online hash bin): online-sign signs it after the merge. */
  online?: boolean;
  /** A hash bin: the name_prefix of its succinct delegation (status shows bins as a group). */
  bin?: string;
  /**
   * An imported role (`tufci copy --signatures original`): the source's bytes, signed by the
   * source's keys; complete when those signatures meet the delegation. Nobody here signs it.
   */
  imported?: ImportSource;
  complete: boolean;
}

export interface EventStatus {
  roles: RoleStatus[];
  /** Every changed role meets its threshold(s) and no invite is pending. */
  complete: boolean;
  invites: Invites;
}

function requirement(env: Envelope, rk: RoleKeys): Requirement {
  const ok = new Set(validSignatures(env, rk.keys, rk.keyids));
  const signers = rk.keyids.map((id) => ({
    name: ownerOf(rk.keys[id], id),
    keyid: id,
    signed: ok.has(id),
  }));
  // a threshold counts distinct keys, not keyids
  const n = distinctKeyCount(ok, rk.keys);
  return { threshold: rk.threshold, signers, signedCount: n, met: n >= rk.threshold };
}

/** The roles of the event that differ from the known-good state. */
async function changedRoles(roles: Map<string, Envelope>, base: MetadataReader): Promise<string[]> {
  const out: string[] = [];
  for (const [role, env] of roles) {
    const b = await base.read(role);
    if (!b || !sameJson(b.signed, env.signed)) out.push(role);
  }
  return out;
}

/**
 * Signing status of an event, as a value: for each changed role, who signed, who
 * is missing, the threshold, pending invites. Never throws for "not signed yet".
 */
export async function eventStatus(
  roles: Map<string, Envelope>,
  base: MetadataReader,
  invites: Invites,
): Promise<EventStatus> {
  const root = roles.get('root')!.signed as RootSigned;
  const baseRoot = (await base.read('root'))?.signed as RootSigned | undefined;
  const out: RoleStatus[] = [];
  const bins = binGroups(roles);
  const imports = importedRoles(roles);
  for (const role of await changedRoles(roles, base)) {
    const env = roles.get(role)!;
    const rk = roleKeys(role, root, roles) ?? { keys: {}, keyids: [], threshold: 1 };
    const current = requirement(env, rk);
    const prevRk = role === 'root' && baseRoot ? roleKeys('root', baseRoot, undefined) : undefined;
    const previous = prevRk ? requirement(env, prevRk) : undefined;
    const inv = Object.entries(invites)
      .filter(([, r]) => r.includes(role))
      .map(([u]) => u);
    const online = !Object.hasOwn(root.roles, role) && isOnlineRule(rk);
    const bin = bins.get(role);
    const imp = imports.get(role);
    out.push({
      ...(online ? { online } : {}),
      ...(imp ? { imported: { repository: imp.repository, role: imp.role } } : {}),
      ...(bin !== undefined ? { bin } : {}),
      role,
      version: env.signed.version,
      expires: env.signed.expires,
      current,
      previous,
      invites: inv,
      complete: online || (current.met && (previous?.met ?? true) && inv.length === 0),
    });
  }
  return {
    roles: out,
    complete: out.every((r) => r.complete) && Object.keys(invites).length === 0,
    invites,
  };
}

/** Users whose signature could still count: unsigned signers of incomplete roles, and invitees. */
export function missingSigners(status: EventStatus): string[] {
  const names = new Set<string>();
  for (const r of status.roles) {
    if (r.complete || r.online || r.imported) continue;
    for (const req of [r.current, r.previous]) {
      if (req && !req.met) for (const s of req.signers) if (!s.signed) names.add(s.name);
    }
  }
  for (const u of Object.keys(status.invites)) names.add(u);
  return [...names].sort();
}

/** Keyids `user` can still sign with in `role` (new and, for root, previous requirement). */
export function unsignedKeysOf(r: RoleStatus, user: string): string[] {
  const ids = new Set<string>();
  if (r.imported) return []; // the source's signatures, never the destination's
  for (const req of [r.current, r.previous]) {
    for (const s of req?.signers ?? []) if (s.name === user && !s.signed) ids.add(s.keyid);
  }
  return [...ids];
}
