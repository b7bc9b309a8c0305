import type { RoleChanges } from './changes.js';
import { describeAll, displayRoles, displaySummaries } from './compact.js';
import { missingSigners } from './status.js';
import type { EventStatus, Requirement, RoleStatus } from './status.js';

function reqLine(label: string, q: Requirement): string {
  const signed = q.signers.filter((s) => s.signed).map((s) => s.name);
  const unsigned = q.signers.filter((s) => !s.signed).map((s) => s.name);
  return `${label}${q.signedCount} of ${q.threshold} needed${q.met ? ' (met)' : ''}; signed: ${signed.join(', ') || 'nobody'}; not signed: ${unsigned.join(', ') || 'nobody'}`;
}

/** Where an imported role comes from and who signed it there, in words. */
function importLine(r: RoleStatus): string {
  const q = r.current;
  const keys = q.signers.map((s) => s.keyid.slice(0, 12)).join(', ');
  return `imported byte for byte from role "${r.imported!.role}" of ${r.imported!.repository}: signed there by ${q.signedCount} of its ${q.signers.length} key(s) (${keys}), threshold ${q.threshold}${q.met ? ' (met)' : ' (NOT met)'}; nobody here signs it`;
}

/** Plain-text status for the terminal. */
export function statusText(event: string, s: EventStatus, outOfSync: string[] = []): string[] {
  const lines = [
    `Signing event ${event}: ${s.complete ? 'COMPLETE, ready to merge' : 'not complete'}`,
  ];
  if (outOfSync.length) lines.push(`  ${outOfSyncNote(outOfSync)}`);
  if (!s.roles.length) lines.push('  No role changed in this event.');
  for (const r of displayRoles(s.roles)) {
    lines.push(
      `  ${r.role} v${r.version} (expires ${r.expires}): ${r.online ? 'signed by the online key after the merge' : r.imported ? importLine(r) : r.complete ? 'signed' : 'needs signatures'}`,
    );
    if (r.online || r.imported) continue;
    lines.push(reqLine('    signatures: ', r.current));
    if (r.previous) lines.push(reqLine('    previous root: ', r.previous));
    if (r.invites.length) lines.push(`    invited, key not yet added: ${r.invites.join(', ')}`);
  }
  const missing = missingSigners(s);
  if (!s.complete && missing.length) lines.push(`  Waiting for: ${missing.join(', ')}`);
  return lines;
}

const mdEsc = (s: string): string => s.replace(/[|`*_<>[\]]/g, (c) => `\\${c}`);

function mdReq(q: Requirement): string {
  const names = q.signers.map((s) => `${s.signed ? '✅' : '⬜'} ${mdEsc(s.name)}`).join('<br>');
  return `${names}<br>*${q.signedCount} signed, ${q.threshold} needed*`;
}

function roleRow(r: RoleStatus, what: string): string {
  if (r.imported)
    return `| ${mdEsc(r.role)} | ${r.version} | ${mdEsc(what)} | ${r.expires.slice(0, 10)} | ${r.complete ? '📥 imported, source signatures verify' : '❌ imported, source signatures do not meet the threshold'} | ${mdEsc(importLine(r))} |`;
  const state = r.online
    ? '🤖 online key, after the merge'
    : r.complete
      ? '✅ signed'
      : r.invites.length
        ? '✉️ invites pending'
        : '⏳ needs signatures';
  const who = mdReq(r.current) + (r.previous ? `<br>previous root: ${mdReq(r.previous)}` : '');
  const inv = r.invites.length ? `<br>invited: ${r.invites.map(mdEsc).join(', ')}` : '';
  return `| ${mdEsc(r.role)} | ${r.version} | ${mdEsc(what)} | ${r.expires.slice(0, 10)} | ${state} | ${who}${inv} |`;
}

export interface ReportInput {
  event: string;
  status: EventStatus;
  changes: RoleChanges[];
  /** How a signer runs the signer CLI, e.g. `npx tufci`. */
  cli?: string;
  /** Default-branch roles' expiries, for the timeline: role → ISO date. */
  timeline?: { role: string; from: string; expires: string }[];
  /** Roles `event update` would still change. */
  outOfSync?: string[];
}

/** The markdown report for the PR comment and the job summary. */
export function statusMarkdown(i: ReportInput): string {
  const s = i.status;
  const cli = i.cli ?? 'tufci';
  const out: string[] = [];
  out.push(
    `### Signing event \`${i.event}\`: ${s.complete ? '✅ complete, ready to merge' : '⏳ waiting for signatures'}`,
  );
  out.push('');
  if (i.outOfSync?.length) out.push(`⚠️ ${outOfSyncNote(i.outOfSync)}`, '');
  if (!s.roles.length) out.push('No role changed in this event yet.');
  else {
    out.push('| Role | Version | Changes | Expires | State | Signers |');
    out.push('| --- | --- | --- | --- | --- | --- |');
    const summaries = displaySummaries(s.roles, i.changes);
    for (const r of displayRoles(s.roles)) out.push(roleRow(r, summaries.get(r.role) ?? ''));
  }
  const missing = missingSigners(s);
  if (missing.length) {
    out.push('');
    out.push('#### Still needed');
    out.push('A role is signed once its threshold is met: any of the signers below can sign.');
    out.push('');
    for (const u of missing) {
      const invited = s.invites[u]?.length
        ? ` (accept the invite for ${s.invites[u]!.join(', ')})`
        : '';
      out.push(`- ${mdEsc(u)}${invited}: \`${cli} sign ${i.event}\``);
    }
  }
  if (i.changes.length) {
    out.push('');
    out.push('<details><summary>What changed</summary>');
    out.push('');
    out.push('```');
    out.push(...describeAll(i.changes, s.roles));
    out.push('```');
    out.push('</details>');
  }
  if (i.timeline?.length) {
    out.push('');
    out.push('```mermaid');
    out.push('gantt');
    out.push('  dateFormat YYYY-MM-DD');
    out.push('  title Metadata validity after this event');
    for (const t of i.timeline)
      out.push(
        `  ${t.role.replace(/[:#]/g, '_')} : ${t.from.slice(0, 10)}, ${t.expires.slice(0, 10)}`,
      );
    out.push('```');
  }
  return out.join('\n') + '\n';
}

function outOfSyncNote(roles: string[]): string {
  return `Metadata of ${roles.join(', ')} is not up to date with this branch (targets/ or metadata edited since): waiting for CI to update this event (or run \`tufci event update\`).`;
}

/** The PR comment when CI cannot update the event (a path without a role, bad metadata). */
export function failureMarkdown(event: string, message: string): string {
  return [
    `### Signing event \`${event}\`: ❌ CI cannot update this event`,
    '',
    'Fix the branch and push again; nobody can sign until this is resolved.',
    '',
    '```',
    message.replace(/```/g, "'''"),
    '```',
    '',
  ].join('\n');
}
