/**
 * The health of offline roles: whether a client would reject one (expired, below its
 * threshold) or it is in its signing period (due), and whose signatures are missing.
 * `tufci status`, `bump-expiring`, publish and online-sign's refusal all read it.
 */
import { UserError } from '../errors.js';
import { signerCount, validSignatures } from './envelope.js';
import { isOnlineRule } from './bins.js';
import { ownerOf, periodsOf, roleKeys } from './roles.js';
import type { Envelope, RootSigned, TargetsSigned } from './types.js';
import { importedRoles } from './imported.js';

/** Where delegated roles' rules are: targets' metadata, or every loaded role by name. */
type Delegations = TargetsSigned | Map<string, Envelope> | undefined;

/** A delegated role (an online hash bin) whose every key is an online key: online-sign signs it. */
export function isOnlineSigned(role: string, root: RootSigned, roles: Delegations): boolean {
  if (Object.hasOwn(root.roles, role)) return false;
  const rk = roleKeys(role, root, roles);
  return rk !== undefined && isOnlineRule(rk);
}

type RoleProblem = 'below-threshold' | 'expired' | 'due';

export interface RoleHealth {
  role: string;
  version: number;
  expires: string;
  problems: RoleProblem[];
  /** Signatures that verify under the role's current rule, and how many are needed. */
  valid: number;
  threshold: number;
  /** Owners whose key signs the role with a valid signature, and those without one. */
  signedBy: string[];
  missing: string[];
  /** Signatures present over this role that do not verify (content changed since, or a key no longer in its rule). */
  invalid: number;
}

/** Why a role's signatures fall short, in words (for online-sign, publish and status). */
function shortfall(h: RoleHealth): string {
  const who = `signed by ${h.signedBy.join(', ') || 'nobody'}; not by ${h.missing.join(', ') || 'nobody'}`;
  const why = h.invalid
    ? `${h.invalid} signature(s) no longer verify: the role's content, keys or threshold changed after it was signed`
    : 'it was merged before enough signers signed it';
  return `${h.valid} of ${h.threshold} required signatures verify (${who}): ${why}`;
}

/** Health of one offline role against `root` (and `targets` for delegated roles). */
function roleHealth(
  role: string,
  env: Envelope,
  root: RootSigned,
  delegations: Delegations,
  now: Date,
): RoleHealth {
  const rk = roleKeys(role, root, delegations) ?? { keys: {}, keyids: [], threshold: 1 };
  const ok = validSignatures(env, rk.keys, rk.keyids);
  const okSet = new Set(ok);
  // one key listed under two keyids counts once
  const valid = signerCount(env, rk.keys, rk.keyids);
  const problems: RoleProblem[] = [];
  const expires = new Date(env.signed.expires).getTime();
  const { signing } = periodsOf(role, env, root);
  if (valid < rk.threshold) problems.push('below-threshold');
  if (now.getTime() >= expires) problems.push('expired');
  else if (now.getTime() >= expires - signing * 86_400_000) problems.push('due');
  return {
    role,
    version: env.signed.version,
    expires: env.signed.expires,
    problems,
    valid,
    threshold: rk.threshold,
    signedBy: rk.keyids.filter((id) => okSet.has(id)).map((id) => ownerOf(rk.keys[id], id)),
    missing: rk.keyids.filter((id) => !okSet.has(id)).map((id) => ownerOf(rk.keys[id], id)),
    invalid: env.signatures.filter((s) => s.sig !== '' && !okSet.has(s.keyid)).length,
  };
}

/**
 * Every offline role that needs a new signed version: below threshold, expired or due.
 * Roles signed by the online key (online hash bins) are online-sign's, not people's;
 * imported roles are the source's (a refresh brings its newer version), not people's here.
 */
export function unhealthyRoles(roles: Map<string, Envelope>, now: Date): RoleHealth[] {
  const root = roles.get('root')?.signed as RootSigned | undefined;
  if (!root) return [];
  const imported = importedRoles(roles);
  return [...roles]
    .filter(([role]) => !isOnlineSigned(role, root, roles) && !imported.has(role))
    .map(([role, env]) => roleHealth(role, env, root, roles, now))
    .filter((h) => h.problems.length > 0);
}

/** One line per problem role, e.g. "targets v2: below threshold (1 of 2 …)". */
export function describeHealth(h: RoleHealth): string {
  const parts: string[] = [];
  if (h.problems.includes('below-threshold')) parts.push(`below threshold: ${shortfall(h)}`);
  if (h.problems.includes('expired')) parts.push(`expired on ${h.expires}`);
  if (h.problems.includes('due')) parts.push(`in its signing period (expires ${h.expires})`);
  return `${h.role} v${h.version}: ${parts.join('; ')}`;
}

/** Refuses a role a client would reject: expired, or its threshold of signatures not met. */
export function checkRoleSigned(
  role: string,
  env: Envelope,
  root: RootSigned,
  delegations: Delegations,
  now: Date,
  consequence: string,
): void {
  const where = `metadata/${role}.json`;
  if (new Date(env.signed.expires) <= now)
    throw new UserError(`${where}: role ${role} expired on ${env.signed.expires}`);
  if (!roleKeys(role, root, delegations))
    throw new UserError(`${where}: no role delegates to ${role}`);
  const h = roleHealth(role, env, root, delegations, now);
  if (h.problems.includes('below-threshold'))
    throw new UserError(
      `${where}: role ${role} v${h.version} is below its threshold: ${shortfall(h)}; ${consequence}`,
    );
}
