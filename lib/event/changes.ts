import { canonicalize } from '@tufjs/canonical-json';
import { sameJson } from '../tuf/envelope.js';
import { keyMaterial } from '../tuf/key-identity.js';
import { ownerOf } from '../tuf/roles.js';
import { KEYOWNER, ONLINE_URI } from '../tuf/types.js';
import type { Envelope, KeyJson, RootSigned, TargetFileJson, TargetsSigned } from '../tuf/types.js';

/** A signed field whose value changed: canonical JSON of each side (absent: undefined). */
interface FieldChange {
  field: string;
  old?: string;
  new?: string;
}

interface ArtifactChange {
  path: string;
  length: number;
  sha256: string;
  /** For modified artifacts: what it was. */
  old?: { length: number; sha256: string };
  /** For modified artifacts: `custom` and any other field that changed, with values. */
  fields?: FieldChange[];
  /** For registry artifacts: the signed OCI descriptor's media type. */
  mediaType?: string;
}

/** A key as a signer must see it: who it claims to be and which key it is. */
interface KeyView {
  owner: string;
  keyid: string;
  online?: boolean;
}

interface DelegationView {
  signers: string[];
  threshold: number;
  /** Every key of the role, in keyid order. */
  keys: KeyView[];
  paths?: string[];
  terminating?: boolean;
  online?: boolean;
}

interface DelegationChange {
  role: string;
  old?: DelegationView;
  new?: DelegationView;
  /** Keys the role gains and loses. */
  keysAdded: KeyView[];
  keysRemoved: KeyView[];
  /**
   * An owner label that names a signer whose known key (in root, or in the role that
   * delegates) is another key: the label alone proves nothing.
   */
  warnings: string[];
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
  /** Keys listed in the role's key map that no role uses, added or removed. */
  unusedKeys: { added: KeyView[]; removed: KeyView[] };
  /** Other signed fields that changed (e.g. expiry periods), with values. */
  otherFields: FieldChange[];
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

const keyView = (keys: Record<string, KeyJson>, id: string): KeyView => ({
  owner: ownerOf(keys[id], id),
  keyid: id,
  ...(keys[id]?.[ONLINE_URI] !== undefined ? { online: true } : {}),
});

/** The key map of a role (root's keys, or the keys of a targets role's delegations). */
function keyMap(signed: RootSigned | TargetsSigned | undefined): Record<string, KeyJson> {
  if (!signed) return {};
  return signed._type === 'root' ? signed.keys : (signed.delegations?.keys ?? {});
}

function delegationViews(
  signed: RootSigned | TargetsSigned | undefined,
): Map<string, DelegationView> {
  const out = new Map<string, DelegationView>();
  if (!signed) return out;
  const keys = keyMap(signed);
  const view = (ids: string[]): Pick<DelegationView, 'signers' | 'keys'> => {
    const sorted = [...ids].sort();
    return {
      signers: sorted.map((id) => ownerOf(keys[id], id)).sort(),
      keys: sorted.map((id) => keyView(keys, id)),
    };
  };
  const online = (ids: string[]): boolean => ids.some((id) => keys[id]?.[ONLINE_URI] !== undefined);
  if (signed._type === 'root') {
    for (const [role, r] of Object.entries(signed.roles)) {
      out.set(role, { ...view(r.keyids), threshold: r.threshold, online: online(r.keyids) });
    }
  } else {
    for (const r of signed.delegations?.roles ?? []) {
      out.set(r.name, {
        ...view(r.keyids),
        threshold: r.threshold,
        ...(r.paths ? { paths: r.paths } : {}),
        ...(r.path_hash_prefixes
          ? { paths: r.path_hash_prefixes.map((p) => `hash prefix ${p}`) }
          : {}),
        terminating: r.terminating === true,
      });
    }
    // hash bins: one entry for all of them, so a signer sees their shape and signers
    const sr = signed.delegations?.succinct_roles;
    if (sr)
      out.set(`${sr.name_prefix}-* (${2 ** sr.bit_length} hash bins)`, {
        ...view(sr.keyids),
        threshold: sr.threshold,
        online: online(sr.keyids),
      });
  }
  return out;
}

/** Canonical JSON of a value, or undefined when absent. */
const canon = (v: unknown): string | undefined => (v === undefined ? undefined : canonicalize(v));

function fieldChanges(
  before: Record<string, unknown>,
  after: Record<string, unknown>,
  ignored: ReadonlySet<string>,
): FieldChange[] {
  const out: FieldChange[] = [];
  for (const k of new Set([...Object.keys(before), ...Object.keys(after)])) {
    if (ignored.has(k)) continue;
    const o = canon(before[k]);
    const n = canon(after[k]);
    if (o !== n)
      out.push({
        field: k,
        ...(o === undefined ? {} : { old: o }),
        ...(n === undefined ? {} : { new: n }),
      });
  }
  return out;
}

/** Owner labels naming someone whose known key is another key. */
function ownerWarnings(
  added: KeyView[],
  keys: Record<string, KeyJson>,
  known: { where: string; keys: Record<string, KeyJson> }[],
): string[] {
  const out: string[] = [];
  for (const k of added) {
    const key = keys[k.keyid];
    const label = key?.[KEYOWNER];
    if (typeof label !== 'string' || !label) continue;
    const mine = keyMaterial(key!);
    for (const { where, keys: knownKeys } of known) {
      const listed = Object.entries(knownKeys).filter(([, key]) => key[KEYOWNER] === label);
      const theirs = listed.map(([id]) => id);
      // the same key under another keyid (a legacy one, say) is theirs
      if (theirs.length && !listed.some(([, key]) => keyMaterial(key) === mine)) {
        out.push(
          `key ${k.keyid.slice(0, 8)} is labelled ${label}, but ${label}'s key in ${where} is ${theirs.map((id) => id.slice(0, 8)).join(', ')}: check with ${label} that this key is theirs`,
        );
      }
    }
  }
  return out;
}

const TARGET_FIELDS = new Set(['length', 'hashes']);

const IGNORED = new Set(['version', 'expires', 'targets', 'delegations', 'keys', 'roles', '_type']);

/** Where the keys a signer already trusts are, besides the role's own base version. */
export interface KnownKeys {
  /** The known-good root's keys. */
  root?: Record<string, KeyJson>;
}

/** The keys of the known-good root, read through `base` (none before the first root). */
export async function knownKeys(base: {
  read(role: string): Promise<Envelope | undefined>;
}): Promise<KnownKeys> {
  const root = await base.read('root');
  return root?.signed._type === 'root' ? { root: root.signed.keys } : {};
}

/** Compares a role's known-good metadata with the event's. */
export function roleChanges(
  role: string,
  base: Envelope | undefined,
  next: Envelope,
  known: KnownKeys = {},
): RoleChanges {
  const out: RoleChanges = {
    role,
    isNew: !base,
    version: { old: base?.signed.version, new: next.signed.version },
    expires: { old: base?.signed.expires, new: next.signed.expires },
    added: [],
    modified: [],
    removed: [],
    delegations: [],
    unusedKeys: { added: [], removed: [] },
    otherFields: [],
  };
  if (next.signed._type === 'targets') {
    const before = (base?.signed as TargetsSigned | undefined)?.targets ?? {};
    const after = next.signed.targets;
    for (const [p, t] of Object.entries(after)) {
      const o = before[p];
      if (!o) out.added.push(art(p, t));
      else if (!sameJson(o, t)) {
        const fields = fieldChanges(
          o as unknown as Record<string, unknown>,
          t as unknown as Record<string, unknown>,
          TARGET_FIELDS,
        );
        out.modified.push({
          ...art(p, t),
          old: { length: o.length, sha256: sha(o) },
          ...(fields.length ? { fields } : {}),
        });
      }
    }
    for (const [p, t] of Object.entries(before)) if (!(p in after)) out.removed.push(art(p, t));
  }
  if (next.signed._type === 'root' || next.signed._type === 'targets') {
    const baseSigned = base?.signed as RootSigned | TargetsSigned | undefined;
    const before = delegationViews(baseSigned);
    const after = delegationViews(next.signed);
    const nextKeys = keyMap(next.signed);
    const knownPlaces = [
      ...(known.root && next.signed._type !== 'root' ? [{ where: 'root', keys: known.root }] : []),
      { where: next.signed._type === 'root' ? 'root' : role, keys: keyMap(baseSigned) },
    ];
    for (const name of new Set([...before.keys(), ...after.keys()])) {
      const o = before.get(name);
      const n = after.get(name);
      if (canonicalize(o ?? null) === canonicalize(n ?? null)) continue;
      const oldIds = new Set((o?.keys ?? []).map((k) => k.keyid));
      const newIds = new Set((n?.keys ?? []).map((k) => k.keyid));
      const byOwner = (a: KeyView, b: KeyView): number =>
        a.owner.localeCompare(b.owner) || a.keyid.localeCompare(b.keyid);
      const keysAdded = (n?.keys ?? []).filter((k) => !oldIds.has(k.keyid)).sort(byOwner);
      const keysRemoved = (o?.keys ?? []).filter((k) => !newIds.has(k.keyid)).sort(byOwner);
      out.delegations.push({
        role: name,
        old: o,
        new: n,
        keysAdded,
        keysRemoved,
        warnings: ownerWarnings(keysAdded, nextKeys, knownPlaces),
      });
    }
    const used = (views: Map<string, DelegationView>): Set<string> =>
      new Set([...views.values()].flatMap((v) => v.keys.map((k) => k.keyid)));
    const usedBefore = used(before);
    const usedAfter = used(after);
    const baseKeys = keyMap(baseSigned);
    for (const id of Object.keys(nextKeys))
      if (!(id in baseKeys) && !usedAfter.has(id)) out.unusedKeys.added.push(keyView(nextKeys, id));
    for (const id of Object.keys(baseKeys))
      if (!(id in nextKeys) && !usedBefore.has(id))
        out.unusedKeys.removed.push(keyView(baseKeys, id));
    // a key's own fields (its owner label, its online URI) changing under the same keyid
    for (const id of Object.keys(nextKeys)) {
      const o = canon(baseKeys[id]);
      const n = canon(nextKeys[id]);
      if (o !== undefined && o !== n)
        out.otherFields.push({
          field: `keys.${id.slice(0, 8)}`,
          old: o,
          ...(n === undefined ? {} : { new: n }),
        });
    }
  }
  if (!base) return out;
  out.otherFields.push(
    ...fieldChanges(
      base.signed as Record<string, unknown>,
      next.signed as Record<string, unknown>,
      IGNORED,
    ),
  );
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
  const paths = v.paths ? `; paths ${v.paths.join(', ')}` : '';
  return `${who}; threshold ${v.threshold}${paths}${v.terminating ? '; terminating' : ''}`;
}

const keyText = (k: KeyView): string =>
  `${k.online ? 'online key' : k.owner} keyid ${k.keyid.slice(0, 8)}`;

/** A value for the terminal: canonical JSON, control characters escaped, long ones cut. */
function valueText(v: string | undefined): string {
  if (v === undefined) return '(absent)';
  const safe = JSON.stringify(v).slice(1, -1).replace(/\\"/g, '"');
  return safe.length > 120 ? `${safe.slice(0, 117)}...` : safe;
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
    if (a.old!.sha256 !== a.sha256)
      lines.push(`             sha256:${a.old!.sha256} -> sha256:${a.sha256}`);
    for (const f of a.fields ?? [])
      lines.push(`             ${f.field}: ${valueText(f.old)} -> ${valueText(f.new)}`);
  }
  for (const a of c.removed)
    lines.push(`  - removed  ${JSON.stringify(a.path)}  ${size(a.length)}  sha256:${a.sha256}`);
  for (const d of c.delegations) {
    lines.push(`  * signers of ${d.role}: ${viewText(d.old)} -> ${viewText(d.new)}`);
    for (const k of d.keysAdded) lines.push(`      + key ${keyText(k)}`);
    for (const k of d.keysRemoved) lines.push(`      - key ${keyText(k)}`);
    for (const w of d.warnings) lines.push(`      ! warning: ${w}`);
  }
  for (const k of c.unusedKeys.added)
    lines.push(`  * key listed, used by no role: + ${keyText(k)}`);
  for (const k of c.unusedKeys.removed) lines.push(`  * key no longer listed: - ${keyText(k)}`);
  for (const f of c.otherFields)
    lines.push(`  * field ${f.field}: ${valueText(f.old)} -> ${valueText(f.new)}`);
  if (!hasContentChange(c)) {
    lines.push(
      c.isNew ? '  (new role, no artifacts yet)' : '  (no content change: version and expiry only)',
    );
  }
  return lines;
}

function hasContentChange(c: RoleChanges): boolean {
  return !!(
    c.added.length ||
    c.modified.length ||
    c.removed.length ||
    c.delegations.length ||
    c.unusedKeys.added.length ||
    c.unusedKeys.removed.length ||
    c.otherFields.length
  );
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
  if (c.delegations.length) {
    const keyNote = (d: DelegationChange): string => {
      const parts2 = [
        ...d.keysAdded.map((k) => `+${k.owner} ${k.keyid.slice(0, 8)}`),
        ...d.keysRemoved.map((k) => `-${k.owner} ${k.keyid.slice(0, 8)}`),
      ];
      return parts2.length && !c.isNew ? `${d.role} (${parts2.join(', ')})` : d.role;
    };
    parts.push(`signers of ${c.delegations.map(keyNote).join(', ')}`);
  }
  const warnings = c.delegations.flatMap((d) => d.warnings);
  if (warnings.length)
    parts.push(`⚠️ ${warnings.length} key label warning${warnings.length > 1 ? 's' : ''}`);
  n(c.unusedKeys.added.length + c.unusedKeys.removed.length, 'unused keys changed');
  if (c.otherFields.length) parts.push(c.otherFields.map((f) => f.field).join(', '));
  if (!parts.length) return c.isNew ? 'new role' : 'expiry only';
  return (c.isNew ? 'new role: ' : '') + parts.join('; ');
}
