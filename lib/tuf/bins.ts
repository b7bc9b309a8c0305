/**
 * Succinct hash-bin delegations (TAP 15): a role's `succinct_roles` stands for 2^bit_length
 * bins named `<name_prefix>-<hex>` (hex zero-padded to the width of the last bin's number).
 * Which bin owns a target is decided in owner.ts; this file names bins and finds the role
 * that delegates to a given role, bins included.
 */
import { UsageError } from '../errors.js';
import { ONLINE_URI } from './types.js';
import type { DelegationsJson, Envelope, KeyJson, TargetsSigned } from './types.js';

type Succinct = NonNullable<DelegationsJson['succinct_roles']>;

/** python-tuf and tuf-js accept bit_length 1..32; more than 2^14 bins is not a layout anyone fetches. */
const MAX_BITS = 14;

/** The bit_length for `--bins N`: N a power of two, 2..16384. */
export function binBits(n: string | number, flag = '--bins'): number {
  const v = typeof n === 'number' ? n : /^\d+$/.test(n.trim()) ? Number(n.trim()) : NaN;
  const bits = Math.log2(v);
  if (!Number.isInteger(v) || !Number.isInteger(bits) || bits < 1 || bits > MAX_BITS) {
    throw new UsageError(
      `${flag} ${JSON.stringify(String(n))}: the number of bins must be a power of two from 2 to ${2 ** MAX_BITS} (e.g. 16, 256, 1024)`,
    );
  }
  return bits;
}

/** Hex digits in a bin name's suffix. */
function suffixLen(bits: number): number {
  return (2 ** bits - 1).toString(16).length;
}

/** Every bin name of a succinct delegation, in bin order. */
export function binNames(s: Pick<Succinct, 'bit_length' | 'name_prefix'>): string[] {
  const n = 2 ** s.bit_length;
  const len = suffixLen(s.bit_length);
  return Array.from(
    { length: n },
    (_, i) => `${s.name_prefix}-${i.toString(16).padStart(len, '0')}`,
  );
}

/** Whether `role` is one of the bins of `s`. */
function isBinOf(s: Succinct | undefined, role: string): boolean {
  if (!s || !role.startsWith(`${s.name_prefix}-`)) return false;
  const suffix = role.slice(s.name_prefix.length + 1);
  return (
    suffix.length === suffixLen(s.bit_length) &&
    /^[0-9a-f]+$/.test(suffix) &&
    parseInt(suffix, 16) < 2 ** s.bit_length
  );
}

/** Whether `signed` delegates `role` (by name or as one of its bins). */
function delegatesRole(signed: TargetsSigned | undefined, role: string): boolean {
  const d = signed?.delegations;
  if (!d) return false;
  return (d.roles ?? []).some((r) => r.name === role) || isBinOf(d.succinct_roles, role);
}

/** The keyids and threshold `signed` delegates `role` with (bins share the succinct ones). */
export function delegationOf(
  signed: TargetsSigned | undefined,
  role: string,
): { keys: Record<string, KeyJson>; keyids: string[]; threshold: number } | undefined {
  const d = signed?.delegations;
  if (!d) return undefined;
  const r = (d.roles ?? []).find((x) => x.name === role);
  if (r) return { keys: d.keys, keyids: r.keyids, threshold: r.threshold };
  if (isBinOf(d.succinct_roles, role))
    return {
      keys: d.keys,
      keyids: d.succinct_roles!.keyids,
      threshold: d.succinct_roles!.threshold,
    };
  return undefined;
}

/** Per roles map: the name of the role that first delegated each role (a cache, checked on use). */
const parents = new WeakMap<Map<string, Envelope>, Map<string, string>>();

function parentIndex(roles: Map<string, Envelope>): Map<string, string> {
  const out = new Map<string, string>();
  for (const [name, env] of roles) {
    const s = env.signed as TargetsSigned;
    if (s._type !== 'targets' || !s.delegations) continue;
    for (const r of s.delegations.roles ?? []) if (!out.has(r.name)) out.set(r.name, name);
    if (s.delegations.succinct_roles)
      for (const b of binNames(s.delegations.succinct_roles)) if (!out.has(b)) out.set(b, name);
  }
  return out;
}

/**
 * The name of the role that delegates `role` among loaded `roles` (in load order, so
 * the one a client's search reaches first), or undefined.
 */
export function delegatorName(roles: Map<string, Envelope>, role: string): string | undefined {
  if (role === 'targets' || role === 'root') return undefined;
  let idx = parents.get(roles);
  let p = idx?.get(role);
  if (p === undefined || !delegatesRole(roles.get(p)?.signed as TargetsSigned, role)) {
    idx = parentIndex(roles);
    parents.set(roles, idx);
    p = idx.get(role);
  }
  return p;
}

/** Whether every key of a rule is an online key (its role is signed by online-sign, not people). */
export function isOnlineRule(rk: { keys: Record<string, KeyJson>; keyids: string[] }): boolean {
  return rk.keyids.length > 0 && rk.keyids.every((id) => rk.keys[id]?.[ONLINE_URI] !== undefined);
}

/** Bin names grouped: bin name → its delegation's name_prefix, for every succinct delegation loaded. */
export function binGroups(roles: Map<string, Envelope>): Map<string, string> {
  const out = new Map<string, string>();
  for (const env of roles.values()) {
    const s = (env.signed as TargetsSigned).delegations?.succinct_roles;
    if (s && env.signed._type === 'targets')
      for (const b of binNames(s)) if (roles.has(b)) out.set(b, s.name_prefix);
  }
  return out;
}

/**
 * Role names for a log line or commit message: runs of bins of one delegation are written
 * as `bins-000 … bins-3ff (1024 bins)` rather than one name each.
 */
export function compactRoleNames(names: string[], groups: Map<string, string>): string {
  const out: string[] = [];
  const byPrefix = new Map<string, string[]>();
  for (const n of names) {
    const g = groups.get(n);
    if (g === undefined) out.push(n);
    else {
      if (!byPrefix.has(g)) out.push(`\0${g}`);
      byPrefix.set(g, [...(byPrefix.get(g) ?? []), n]);
    }
  }
  return out
    .map((n) => {
      if (!n.startsWith('\0')) return n;
      const bins = [...byPrefix.get(n.slice(1))!].sort();
      if (bins.length <= 3) return bins.join(', ');
      return `${bins[0]} … ${bins.at(-1)} (${bins.length} bins)`;
    })
    .join(', ');
}
