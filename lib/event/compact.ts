/**
 * Hash bins, shown compactly: an event that changes a dozen of 1,024 bins is one line
 * ("bins-0a3 … bins-3f1: 12 bins changed") in the status and the PR account, not a row
 * per bin. Up to MAX_SINGLE changed bins of one delegation are still shown one by one.
 */
import { describeChanges, summarizeChanges } from './changes.js';
import type { RoleChanges } from './changes.js';
import type { Requirement, RoleStatus } from './status.js';

const MAX_SINGLE = 3;

type Grouped<T> = { label: string; bins: T[] } | { single: T };

/** Items in order, the bins of one delegation (more than MAX_SINGLE of them) gathered at the first. */
function group<T extends { role: string }>(
  items: T[],
  binOf: (role: string) => string | undefined,
): Grouped<T>[] {
  const count = new Map<string, number>();
  for (const i of items) {
    const b = binOf(i.role);
    if (b !== undefined) count.set(b, (count.get(b) ?? 0) + 1);
  }
  const out: Grouped<T>[] = [];
  const at = new Map<string, { label: string; bins: T[] }>();
  for (const i of items) {
    const b = binOf(i.role);
    if (b === undefined || count.get(b)! <= MAX_SINGLE) {
      out.push({ single: i });
      continue;
    }
    let g = at.get(b);
    if (!g) {
      g = { label: '', bins: [] };
      at.set(b, g);
      out.push(g);
    }
    g.bins.push(i);
  }
  for (const g of at.values()) {
    const names = g.bins.map((x) => x.role).sort();
    g.label = `${names[0]} … ${names.at(-1)} (${names.length} bins)`;
  }
  return out;
}

const binsOf = (
  roles: { role: string; bin?: string }[],
): ((role: string) => string | undefined) => {
  const m = new Map(roles.map((r) => [r.role, r.bin]));
  return (role) => m.get(role);
};

/** Requirements of many bins as one: a signer counts as signed when they signed every bin. */
function mergeReq(reqs: Requirement[]): Requirement {
  const first = reqs[0]!;
  return {
    threshold: first.threshold,
    signers: first.signers.map((s) => ({
      ...s,
      signed: reqs.every((q) => q.signers.some((x) => x.keyid === s.keyid && x.signed)),
    })),
    signedCount: Math.min(...reqs.map((q) => q.signedCount)),
    met: reqs.every((q) => q.met),
  };
}

/** The event's roles for display: many changed bins of one delegation become one entry. */
export function displayRoles(roles: RoleStatus[]): RoleStatus[] {
  return group(roles, binsOf(roles)).map((g) => {
    if ('single' in g) return g.single;
    const b = g.bins;
    return {
      role: g.label,
      version: Math.max(...b.map((r) => r.version)),
      expires: b.map((r) => r.expires).sort()[0]!,
      current: mergeReq(b.map((r) => r.current)),
      invites: [...new Set(b.flatMap((r) => r.invites))],
      complete: b.every((r) => r.complete),
      ...(b.every((r) => r.online) ? { online: true } : {}),
      bin: b[0]!.bin!,
    };
  });
}

/** One summary per displayed role (for the status table): bins of a group add up. */
export function displaySummaries(roles: RoleStatus[], changes: RoleChanges[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const g of group(changes, binsOf(roles))) {
    if ('single' in g) {
      out.set(g.single.role, summarizeChanges(g.single));
      continue;
    }
    const n = (f: (c: RoleChanges) => number): number => g.bins.reduce((a, c) => a + f(c), 0);
    const parts = [
      `${g.bins.length} bins changed`,
      ...[
        [n((c) => c.added.length), 'added'],
        [n((c) => c.modified.length), 'modified'],
        [n((c) => c.removed.length), 'removed'],
      ]
        .filter(([k]) => k)
        .map(([k, w]) => `${k} ${w}`),
    ];
    out.set(g.label, parts.join('; '));
  }
  return out;
}

/**
 * Every role's account for the signer's terminal, with a group of bins written once:
 * a header, then each artifact change with the bin it is in.
 */
export function describeAll(
  changes: RoleChanges[],
  roles: { role: string; bin?: string }[],
): string[] {
  const lines: string[] = [];
  for (const g of group(changes, binsOf(roles))) {
    if ('single' in g) {
      lines.push(...describeChanges(g.single));
      continue;
    }
    const expires = g.bins.map((c) => c.expires.new).sort();
    lines.push(
      `Bins ${g.label}: each one version up; expire ${expires[0]}${expires.at(-1) !== expires[0] ? ` to ${expires.at(-1)}` : ''}`,
    );
    for (const c of g.bins) {
      const body = describeChanges(c)
        .slice(2)
        .filter((l) => !l.startsWith('  ('));
      lines.push(...body.map((l) => (/^ {2}[+~-] /.test(l) ? `${l}  [${c.role}]` : l)));
    }
  }
  return lines;
}
