import { UserError } from '../errors.js';
import { delegationOf, delegatorName } from './bins.js';
import type { Envelope, KeyJson, RootSigned, TargetsSigned } from './types.js';
import { EXPIRY_PERIOD, KEYOWNER, SIGNING_PERIOD, isOnlineRole } from './types.js';

/** The keys allowed to sign a role, and how many must. */
export interface RoleKeys {
  keys: Record<string, KeyJson>;
  keyids: string[];
  threshold: number;
}

/**
 * Who signs `role`: root's role entry for top-level roles; for a delegated role (a hash
 * bin included) the delegation of the role that delegates it. `delegations` is either that
 * role's signed metadata (targets', for roles one level down) or every loaded role by name,
 * in which the delegator is found (roles delegated from delegated roles and bins).
 */
export function roleKeys(
  role: string,
  root: RootSigned,
  delegations: TargetsSigned | Map<string, Envelope> | undefined,
): RoleKeys | undefined {
  if (Object.hasOwn(root.roles, role)) {
    const r = root.roles[role]!;
    return { keys: root.keys, keyids: r.keyids, threshold: r.threshold };
  }
  if (delegations instanceof Map) {
    const parent = delegatorName(delegations, role);
    return parent === undefined
      ? undefined
      : delegationOf(delegations.get(parent)?.signed as TargetsSigned, role);
  }
  return delegationOf(delegations, role);
}

export function ownerOf(key: KeyJson | undefined, keyid: string): string {
  const o = key?.[KEYOWNER];
  return typeof o === 'string' && o ? o : `key ${keyid.slice(0, 8)}`;
}

export interface Periods {
  expiry: number;
  signing: number;
}

const DEFAULT_PERIODS: Record<string, Periods> = {
  root: { expiry: 365, signing: 60 },
  targets: { expiry: 365, signing: 60 },
  snapshot: { expiry: 365, signing: 60 },
  timestamp: { expiry: 2, signing: 1 },
};

function periodField(
  holder: Record<string, unknown>,
  field: string,
  where: string,
): number | undefined {
  const v = holder[field];
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) {
    throw new UserError(`${where}: field "${field}" must be a positive whole number of days`);
  }
  return v;
}

/**
 * Expiry and signing periods in days. Offline roles keep them in their own signed
 * metadata; the online roles in root's role entries (tuf-on-ci's convention).
 */
export function periodsOf(role: string, env: Envelope | undefined, root: RootSigned): Periods {
  const def = DEFAULT_PERIODS[role] ?? DEFAULT_PERIODS.targets!;
  const holder: Record<string, unknown> = isOnlineRole(role)
    ? (root.roles[role] ?? {})
    : ((env?.signed as Record<string, unknown> | undefined) ?? {});
  const where = isOnlineRole(role) ? `metadata/root.json roles.${role}` : `metadata/${role}.json`;
  const expiry = periodField(holder, EXPIRY_PERIOD, where) ?? def.expiry;
  // without a signing period, half the expiry period (as tuf-on-ci): taking the whole of it
  // would put a freshly signed role in its signing period at once, so bumps never end
  const signing =
    periodField(holder, SIGNING_PERIOD, where) ??
    Math.min(def.signing, Math.max(1, Math.floor(expiry / 2)));
  if (signing > expiry) {
    throw new UserError(
      `${where}: signing period (${signing} days) is longer than the expiry period (${expiry} days)`,
    );
  }
  return { expiry, signing };
}

/** Rejects a threshold no set of keys (and pending invites) can reach. */
export function checkThreshold(
  where: string,
  rk: { keyids: string[]; threshold: number },
  invites = 0,
): void {
  if (!Number.isInteger(rk.threshold) || rk.threshold < 1) {
    throw new UserError(`${where}: threshold must be a whole number of at least 1`);
  }
  if (rk.threshold > rk.keyids.length + invites) {
    throw new UserError(
      `${where}: threshold ${rk.threshold} is above the number of keys (${rk.keyids.length}${invites ? ` plus ${invites} invited` : ''})`,
    );
  }
}
