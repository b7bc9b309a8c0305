/**
 * What `tufci status` tells a person beyond the status itself: warnings, and always the
 * exact next command, for a signing event, for the default branch and for all events.
 */
import type { RoleToBump } from './expiring.js';
import type { BehindRole, OpenEventStatus } from './open-events.js';
import { missingSigners } from './status.js';
import type { EventStatus } from './status.js';

export interface Guide {
  lines: string[];
  /** The next command (or step) for the person reading, one line, starting "Next: ". */
  next: string;
}

export interface EventGuideInput {
  event: string;
  status: EventStatus;
  /** Roles `event update` would still change: CI has not updated the event yet. */
  outOfSync: string[];
  behind: BehindRole[];
  /** The reader, from their settings; undefined when unknown. */
  user?: string;
  remote: string;
  defaultBranch: string;
}

const v = (n: number | undefined): string => (n === undefined ? 'none' : `v${n}`);

/** Warnings and the next command for the signing event checked out. */
export function eventGuide(i: EventGuideInput): Guide {
  const lines: string[] = [];
  const main = `${i.remote}/${i.defaultBranch}`;
  for (const b of i.behind)
    lines.push(
      `Warning: ${i.event} is behind ${i.defaultBranch} on ${b.role}: ${i.defaultBranch} changed it since this event began (${v(b.baseVersion)} then, ${v(b.defaultVersion)} now); merging would undo that change.`,
    );
  if (i.behind.length)
    return {
      lines,
      next: `Next: waiting for CI to bring this event up to date with ${i.defaultBranch} (or run \`tufci event update --push\`, which takes in ${main}); its roles are then signed again`,
    };
  if (i.outOfSync.length)
    return {
      lines,
      next: `Next: waiting for CI to update this event (or run \`tufci event update --push\`)`,
    };
  if (i.status.complete)
    return {
      lines,
      next: `Next: merge the pull request of ${i.event} into ${i.defaultBranch} (CI then signs snapshot and timestamp)`,
    };
  const missing = missingSigners(i.status);
  const cmd = `\`tufci sign ${i.event}\``;
  if (i.user && missing.includes(i.user)) return { lines, next: `Next: ${cmd}` };
  if (i.user)
    return {
      lines,
      next: `Next: nothing for you (${i.user}) to sign; waiting for ${missing.join(', ')}, who run ${cmd}`,
    };
  return { lines, next: `Next: ${cmd} (if you are ${missing.join(' or ')})` };
}

/** The default branch: not an event; roles that need a new version, and how to open it. */
export function defaultBranchGuide(
  branch: string,
  due: RoleToBump[],
  openBranches: string[],
): Guide {
  const lines = [`${branch} is not a signing event (signing events are sign/* branches).`];
  if (!due.length) {
    lines.push('Every offline role is signed, above its threshold and outside its signing period.');
    return {
      lines,
      next: openBranches.length
        ? `Next: \`tufci status --all\` (${openBranches.length} open signing event${openBranches.length > 1 ? 's' : ''})`
        : 'Next: nothing is due',
    };
  }
  lines.push('Roles that need a new signed version:');
  for (const d of due) lines.push(`  ${d.why}`);
  const toOpen = due.filter((d) => !openBranches.includes(d.branch));
  const open = due.filter((d) => openBranches.includes(d.branch));
  for (const d of open) lines.push(`  ${d.role}: its event ${d.branch} is open.`);
  if (toOpen.length)
    return {
      lines,
      next: `Next: \`tufci bump-expiring\` (opens ${toOpen.map((d) => d.branch).join(', ')}; its signers then run \`tufci sign <event>\`)`,
    };
  return { lines, next: `Next: \`tufci sign ${open[0]!.branch}\`` };
}

/** Every open event and whom it waits for. */
export function allEventsGuide(events: OpenEventStatus[], user?: string): Guide {
  const lines: string[] = [];
  if (!events.length) lines.push('No open signing events.');
  for (const e of events) {
    const roles =
      e.status.roles.map((r) => `${r.role} v${r.version}`).join(', ') || 'no role changed';
    lines.push(
      e.status.complete
        ? `${e.event} (${roles}): complete, ready to merge`
        : `${e.event} (${roles}): waiting for ${e.waitingFor.join(', ') || 'CI'}`,
    );
  }
  const mine = user ? events.find((e) => e.waitingFor.includes(user)) : undefined;
  if (mine) return { lines, next: `Next: \`tufci sign ${mine.event}\`` };
  if (!events.length) return { lines, next: 'Next: nothing to sign' };
  const waiting = events.filter((e) => !e.status.complete);
  if (!waiting.length)
    return { lines, next: `Next: merge the pull request of ${events[0]!.event}` };
  if (user) return { lines, next: `Next: nothing waits for you (${user})` };
  return { lines, next: `Next: \`tufci sign <event>\` for an event that waits for you` };
}
