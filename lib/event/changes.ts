import { canonicalize } from '@tufjs/canonical-json';
import { sameJson } from '../tuf/envelope.js';
import { ownerOf } from '../tuf/roles.js';
import type { Envelope, KeyJson, RootSigned, TargetFileJson, TargetsSigned } from '../tuf/types.js';

export interface ArtifactChange {
  path: string;
  length: number;
  sha256: string;
  /** For modified artifacts: what it was. */
  old?: { length: number; sha256: string };
  /** For registry artifacts: the signed OCI descriptor's media type. */
  mediaType?: string;
}

export interface DelegationView {
  signers: string[];
  threshold: number;
  paths?: string[];
  online?: boolean;
}

export interface DelegationChange {
  role: string;
  old?: DelegationView;
  new?: DelegationView;
}

/** Everything a signer must see about one role before signing it. */
export interface RoleChanges {
  role: string;
  isNew: boolean;
  version: { old?: number; new: number };
  expires: { old?: string; new: string };
  added: ArtifactChange[];
  modified: ArtifactChange[];
  removed: ArtifactChange[];
  /** Signers, thresholds and paths of the roles this role delegates to. */
  delegations: DelegationChange[];
  /** Other signed fields that changed (e.g. expiry periods), by name. */
  otherFields: string[];
}

const sha = (t: TargetFileJson): string => t.hashes.sha256 ?? Object.values(t.hashes)[0] ?? '';
const art = (path: string, t: TargetFileJson): ArtifactChange => {
  const oci = (t.custom as { oci?: { mediaType?: string } } | undefined)?.oci;
  return {
    path,
    length: t.length,
    sha256: sha(t),
    ...(oci?.mediaType ? { mediaType: oci.mediaType } : {}),
  };
};

function delegationViews(
  signed: RootSigned | TargetsSigned | undefined,
): Map<string, DelegationView> {
  const out = new Map<string, DelegationView>();
  if (!signed) return out;
  const names = (keys: Record<string, KeyJson>, ids: string[]): string[] =>
    ids.map((id) => ownerOf(keys[id], id)).sort();
  const online = (keys: Record<string, KeyJson>, ids: string[]): boolean =>
    ids.some((id) => keys[id]?.['x-tuf-on-ci-online-uri'] !== undefined);
  if (signed._type === 'root') {
    for (const [role, r] of Object.entries(signed.roles)) {
      out.set(role, {
        signers: names(signed.keys, r.keyids),
        threshold: r.threshold,
        online: online(signed.keys, r.keyids),
      });
    }
  } else {
    const d = signed.delegations;
    for (const r of d?.roles ?? []) {
      out.set(r.name, {
        signers: names(d!.keys, r.keyids),
        threshold: r.threshold,
        paths: r.paths,
      });
    }
  }
  return out;
}

const IGNORED = new Set(['version', 'expires', 'targets', 'delegations', 'keys', 'roles', '_type']);

/** Compares a role's known-good metadata with the event's. */
export function roleChanges(role: string, base: Envelope | undefined, next: Envelope): RoleChanges {
  const out: RoleChanges = {
    role,
    isNew: !base,
    version: { old: base?.signed.version, new: next.signed.version },
    expires: { old: base?.signed.expires, new: next.signed.expires },
    added: [],
    modified: [],
    removed: [],
    delegations: [],
    otherFields: [],
  };
  if (next.signed._type === 'targets') {
    const before = (base?.signed as TargetsSigned | undefined)?.targets ?? {};
    const after = next.signed.targets;
    for (const [p, t] of Object.entries(after)) {
      const o = before[p];
      if (!o) out.added.push(art(p, t));
      else if (!sameJson(o, t))
        out.modified.push({ ...art(p, t), old: { length: o.length, sha256: sha(o) } });
    }
    for (const [p, t] of Object.entries(before)) if (!(p in after)) out.removed.push(art(p, t));
  }
  if (next.signed._type === 'root' || next.signed._type === 'targets') {
    const before = delegationViews(base?.signed as RootSigned | TargetsSigned | undefined);
    const after = delegationViews(next.signed);
    for (const name of new Set([...before.keys(), ...after.keys()])) {
      const o = before.get(name);
      const n = after.get(name);
      if (canonicalize(o ?? null) !== canonicalize(n ?? null))
        out.delegations.push({ role: name, old: o, new: n });
    }
  }
  if (!base) return out;
  const b = base.signed as Record<string, unknown>;
  const n = next.signed as Record<string, unknown>;
  for (const k of new Set([...Object.keys(b), ...Object.keys(n)])) {
    if (IGNORED.has(k)) continue;
    if (canonicalize(b[k] ?? null) !== canonicalize(n[k] ?? null)) out.otherFields.push(k);
  }
  return out;
}

const size = (n: number): string =>
  n < 1024
    ? `${n} B`
    : n < 1048576
      ? `${(n / 1024).toFixed(1)} KiB`
      : `${(n / 1048576).toFixed(1)} MiB`;

function viewText(v: DelegationView | undefined): string {
  if (!v) return 'none';
  const who = v.online ? 'online key' : v.signers.join(', ') || 'no signers';
  return `${who}; threshold ${v.threshold}${v.paths ? `; paths ${v.paths.join(', ')}` : ''}`;
}

/** Plain-text account of a role's changes, for the signer's terminal. */
export function describeChanges(c: RoleChanges): string[] {
  const lines: string[] = [];
  lines.push(
    c.isNew
      ? `Role ${c.role}: new role, version ${c.version.new}`
      : `Role ${c.role}: version ${c.version.old} -> ${c.version.new}`,
  );
  lines.push(`  expires: ${c.expires.old ? `${c.expires.old} -> ` : ''}${c.expires.new}`);
  for (const a of c.added)
    lines.push(
      `  + added    ${JSON.stringify(a.path)}  ${size(a.length)}  sha256:${a.sha256}${a.mediaType ? `  (${a.mediaType})` : ''}`,
    );
  for (const a of c.modified) {
    lines.push(
      `  ~ modified ${JSON.stringify(a.path)}  ${size(a.old!.length)} -> ${size(a.length)}`,
    );
    lines.push(`             sha256:${a.old!.sha256} -> sha256:${a.sha256}`);
  }
  for (const a of c.removed)
    lines.push(`  - removed  ${JSON.stringify(a.path)}  ${size(a.length)}  sha256:${a.sha256}`);
  for (const d of c.delegations) {
    lines.push(`  * signers of ${d.role}: ${viewText(d.old)} -> ${viewText(d.new)}`);
  }
  for (const f of c.otherFields) lines.push(`  * field ${f} changed`);
  if (
    !c.added.length &&
    !c.modified.length &&
    !c.removed.length &&
    !c.delegations.length &&
    !c.otherFields.length
  ) {
    lines.push(
      c.isNew ? '  (new role, no artifacts yet)' : '  (no content change: version and expiry only)',
    );
  }
  return lines;
}

/** One line for the status table: what a role's change amounts to. */
export function summarizeChanges(c: RoleChanges): string {
  const parts: string[] = [];
  const n = (k: number, what: string): void => {
    if (k) parts.push(`${k} ${what}`);
  };
  n(c.added.length, 'added');
  n(c.modified.length, 'modified');
  n(c.removed.length, 'removed');
  if (c.delegations.length) parts.push(`signers of ${c.delegations.map((d) => d.role).join(', ')}`);
  if (c.otherFields.length) parts.push(c.otherFields.join(', '));
  if (!parts.length) return c.isNew ? 'new role' : 'expiry only';
  return (c.isNew ? 'new role: ' : '') + parts.join('; ');
}
