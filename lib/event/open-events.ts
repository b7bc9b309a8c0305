/**
 * The open signing events of a remote, read from git without checking them out: for
 * each `sign/*` branch the last fetch saw, its status against its own known-good state.
 */
import type { Git } from '../git/git.js';
import { sameJson } from '../tuf/envelope.js';
import type { MetadataReader } from '../tuf/repo.js';
import type { Envelope, TargetsSigned } from '../tuf/types.js';
import { GitRevReader } from './base.js';
import { eventStatus, missingSigners } from './status.js';
import type { EventStatus } from './status.js';

export interface OpenEventStatus {
  event: string;
  status: EventStatus;
  /** Users whose signature could still count (see missingSigners). */
  waitingFor: string[];
}

/** The offline roles at a revision: root, targets and the roles targets delegates to. */
export async function rolesAt(reader: GitRevReader): Promise<Map<string, Envelope>> {
  const roles = new Map<string, Envelope>();
  const root = await reader.read('root');
  if (!root) return roles;
  roles.set('root', root);
  const targets = await reader.read('targets');
  if (!targets) return roles;
  roles.set('targets', targets);
  for (const d of (targets.signed as TargetsSigned).delegations?.roles ?? []) {
    const env = await reader.read(d.name);
    if (env) roles.set(d.name, env);
  }
  return roles;
}

/** Status of every `sign/*` branch of `remote` (as last fetched) not merged yet, by name. */
export async function openEvents(
  git: Git,
  remote: string,
  defaultBranch: string,
): Promise<OpenEventStatus[]> {
  const out: OpenEventStatus[] = [];
  const main = `${remote}/${defaultBranch}`;
  for (const event of (await git.trackingBranches(remote, 'sign/')).sort()) {
    const ref = `${remote}/${event}`;
    // a branch already merged (and not deleted) is no open event
    if (await git.isAncestor(ref, main)) continue;
    const head = new GitRevReader(git, ref);
    const roles = await rolesAt(head);
    if (!roles.size) continue;
    const base = new GitRevReader(git, await git.mergeBase(ref, main));
    const status = await eventStatus(roles, base, await head.invites());
    out.push({ event, status, waitingFor: status.complete ? [] : missingSigners(status) });
  }
  return out;
}

export interface BehindRole {
  role: string;
  /** The role's version where the event began, and on the default branch now. */
  baseVersion?: number;
  defaultVersion?: number;
}

/**
 * Roles this event changes that the default branch has changed too since the event
 * began: merging would throw one of the two changes away, so the event must take in
 * the default branch first.
 */
export async function behindDefault(
  roles: string[],
  base: MetadataReader,
  tip: MetadataReader,
): Promise<BehindRole[]> {
  const out: BehindRole[] = [];
  for (const role of roles) {
    const b = await base.read(role);
    const t = await tip.read(role);
    if (!t || (b && sameJson(b.signed, t.signed))) continue;
    out.push({ role, baseVersion: b?.signed.version, defaultVersion: t.signed.version });
  }
  return out;
}
