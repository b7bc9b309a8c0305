import { binGroups } from '../tuf/bins.js';
import type { MetadataReader, RepoDir } from '../tuf/repo.js';
import { knownKeys, roleChanges } from './changes.js';
import type { RoleChanges } from './changes.js';
import { readInvites } from './invites.js';
import { loadOfflineRoles } from './load.js';
import { eventStatus } from './status.js';
import { updateEvent } from './update.js';
import type { EventStatus } from './status.js';

export interface EventReport {
  status: EventStatus;
  /** Roles `event update` would still change (e.g. targets/ edited since): the event is not final. */
  outOfSync: string[];
  changes: RoleChanges[];
  timeline: { role: string; from: string; expires: string }[];
}

/** Status, changes and expiry timeline of the event checked out in `repo`, against its known-good state. */
export async function eventReport(
  repo: RepoDir,
  base: MetadataReader,
  now: Date,
  event?: string,
): Promise<EventReport> {
  const roles = loadOfflineRoles(repo);
  const pending = await updateEvent(repo, base, now, { dryRun: true, event });
  const status = await eventStatus(roles, base, readInvites(repo.dir));
  if (pending.written.length) status.complete = false;
  const changes: RoleChanges[] = [];
  const known = await knownKeys(base);
  for (const r of status.roles)
    changes.push(roleChanges(r.role, await base.read(r.role), roles.get(r.role)!, known));
  // bins of one delegation are one bar (the earliest expiry), not a thousand
  const bins = binGroups(roles);
  const firstExpiry = new Map<string, string>();
  for (const [role, env] of roles) {
    const key = bins.has(role) ? `${bins.get(role)!}-*` : role;
    const cur = firstExpiry.get(key);
    if (cur === undefined || env.signed.expires < cur) firstExpiry.set(key, env.signed.expires);
  }
  const timeline = [...firstExpiry].map(([role, expires]) => ({
    role,
    from: now.toISOString(),
    expires,
  }));
  return { status, changes, timeline, outOfSync: pending.written };
}
