import { addDays, clone, tufDate } from '../tuf/envelope.js';
import type { RepoDir } from '../tuf/repo.js';
import { periodsOf } from '../tuf/roles.js';
import type { Envelope, RootSigned } from '../tuf/types.js';

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
  for (const [role, env] of roles) {
    const { signing } = periodsOf(role, env, root);
    if (now.getTime() >= new Date(env.signed.expires).getTime() - signing * 86_400_000) {
      out.push({
        role,
        version: env.signed.version,
        expires: env.signed.expires,
        branch: `sign/bump-${role}-v${env.signed.version + 1}`,
      });
    }
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
