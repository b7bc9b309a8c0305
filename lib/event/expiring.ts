import { addDays, clone, tufDate } from '../tuf/envelope.js';
import { describeHealth, isOnlineSigned, unhealthyRoles } from '../tuf/health.js';
import type { RoleHealth } from '../tuf/health.js';
import { binGroups, compactRoleNames } from '../tuf/bins.js';
import type { RepoDir } from '../tuf/repo.js';
import { periodsOf } from '../tuf/roles.js';
import type { Envelope, RootSigned } from '../tuf/types.js';
import { importedRoles } from '../tuf/imported.js';

export interface ExpiringRole {
  role: string;
  version: number;
  expires: string;
  /** The branch that bumps it: stable per version, so reruns find it. */
  branch: string;
}

/** Offline roles whose signing period has begun (now ≥ expires − signing period). */
export function expiringRoles(repo: RepoDir, now: Date): ExpiringRole[] {
  const roles = repo.readOfflineRoles();
  const root = (roles.get('root') ?? repo.root()).signed as RootSigned;
  const out: ExpiringRole[] = [];
  const imported = importedRoles(roles);
  for (const [role, env] of roles) {
    // the online key re-signs the roles it signs (online-sign), no event needed; an
    // imported role is refreshed from its source (`tufci copy --refresh`), no event either
    if (isOnlineSigned(role, root, roles) || imported.has(role)) continue;
    const { signing } = periodsOf(role, env, root);
    if (now.getTime() >= new Date(env.signed.expires).getTime() - signing * 86_400_000) {
      out.push({
        role,
        version: env.signed.version,
        expires: env.signed.expires,
        branch: bumpBranch(role, env.signed.version),
      });
    }
  }
  return out;
}

/** The branch that opens the event re-signing `role` at `version` + 1: stable, so reruns find it. */
const bumpBranch = (role: string, version: number): string => `sign/bump-${role}-v${version + 1}`;

export interface RoleToBump extends ExpiringRole {
  health: RoleHealth;
  /** What is wrong, in words: "targets v2: below threshold: …". */
  why: string;
  /**
   * Hash bins of one delegation due together: one event bumps them all (`role` is then a
   * label such as `bins-000 … bins-3ff (1024 bins)`), not an event per bin.
   */
  roles?: string[];
}

/**
 * Offline roles that need a new signed version: in their signing period, expired, or
 * below their threshold (a change merged before it was signed, or keys changed since).
 */
export function rolesToBump(repo: RepoDir, now: Date): RoleToBump[] {
  const roles = repo.readOfflineRoles();
  const groups = binGroups(roles);
  const out: RoleToBump[] = [];
  const bins = new Map<string, RoleHealth[]>();
  for (const h of unhealthyRoles(roles, now)) {
    const g = groups.get(h.role);
    if (g === undefined) {
      out.push({
        role: h.role,
        version: h.version,
        expires: h.expires,
        branch: bumpBranch(h.role, h.version),
        health: h,
        why: describeHealth(h),
      });
    } else bins.set(g, [...(bins.get(g) ?? []), h]);
  }
  for (const [prefix, hs] of bins) {
    const first = [...hs].sort((a, b) => a.expires.localeCompare(b.expires))[0]!;
    const names = hs.map((h) => h.role);
    const label = hs.length === 1 ? first.role : compactRoleNames(names, groups);
    out.push({
      role: label,
      version: first.version,
      expires: first.expires,
      // stable while the same bins are due: reruns find it
      branch:
        hs.length === 1
          ? bumpBranch(first.role, first.version)
          : `sign/bump-${prefix}-${first.expires.slice(0, 10)}`,
      health: first,
      why: hs.length === 1 ? describeHealth(first) : `${label}: ${describeHealth(first)}`,
      ...(hs.length > 1 ? { roles: names } : {}),
    });
  }
  return out;
}

/** The role with one version bump, a fresh expiry and no signatures. */
export function bumped(env: Envelope, role: string, root: RootSigned, now: Date): Envelope {
  const next = clone(env);
  next.signed.version += 1;
  next.signed.expires = tufDate(addDays(now, periodsOf(role, env, root).expiry));
  next.signatures = [];
  return next;
}

export interface ImportedExpiry {
  role: string;
  version: number;
  expires: string;
  /** Where it comes from (the delegation's `x-tufci-import`). */
  repository: string;
  sourceRole: string;
  /** Expired, or within `days` of expiring: the refresh should have brought a newer one. */
  due: boolean;
}

/**
 * The imported roles and their expiry (the source's): nobody here bumps them; `tufci copy
 * --refresh` brings the source's newer version. `due` within 7 days of expiring.
 */
export function importedExpiry(repo: RepoDir, now: Date, days = 7): ImportedExpiry[] {
  const roles = repo.readOfflineRoles();
  return [...importedRoles(roles)].flatMap(([role, src]) => {
    const env = roles.get(role);
    if (!env) return [];
    const expires = env.signed.expires;
    return [
      {
        role,
        version: env.signed.version,
        expires,
        repository: src.repository,
        sourceRole: src.role,
        due: now.getTime() >= new Date(expires).getTime() - days * 86_400_000,
      },
    ];
  });
}
