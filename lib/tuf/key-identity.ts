/**
 * Key identity. A keyid names a key in metadata; the key itself is its public key material.
 * tufci writes spec keyids (keys.ts `keyId`), and adopts the keyids an existing repository
 * already uses: older tuf-on-ci repositories (Sigstore's among them) list keys under keyids
 * that are not the spec hash. So thresholds count distinct key material, a signer is
 * matched to a listed key by its material and signs under the repository's keyid, and a
 * role that lists one key under two keyids is refused where metadata is loaded.
 */
import type { KeyObject } from 'node:crypto';
import { canonicalize } from '@tufjs/canonical-json';
import { UserError } from '../errors.js';
import { keyId } from './keys.js';
import { publicKeyOf } from './verify.js';
import type { AnySigned, KeyJson, TufPublicKey } from './types.js';

type KeyLike = Pick<KeyJson, 'keytype' | 'keyval'>;

/**
 * A key as itself, whatever keyid or scheme label lists it: the DER SubjectPublicKeyInfo
 * of its public key, or (for a key Node cannot read) its type and canonical `keyval`.
 */
export function keyMaterial(key: KeyLike): string {
  const pub = publicKeyOf(key);
  if (pub) {
    // publicKeyOf hands out one KeyObject per key: its DER is exported once, not per role
    let der = spki.get(pub);
    if (der === undefined)
      spki.set(pub, (der = pub.export({ format: 'der', type: 'spki' }).toString('hex')));
    return `spki:${der}`;
  }
  try {
    return `raw:${String(key.keytype)}:${canonicalize((key.keyval ?? null) as object)}`;
  } catch {
    return `raw:${String(key.keytype)}:${String(key.keyval)}`;
  }
}

const spki = new WeakMap<KeyObject, string>();

/** How many distinct keys the keyids name (keyids missing from `keys` do not count). */
export function distinctKeyCount(keyids: Iterable<string>, keys: Record<string, KeyLike>): number {
  const seen = new Set<string>();
  for (const id of keyids) {
    const k = Object.hasOwn(keys, id) ? keys[id] : undefined;
    if (k) seen.add(keyMaterial(k));
  }
  return seen.size;
}

/** The keyids among `keyids` (listed in `keys`) whose key is `pub`, in order. */
export function keyidsOf(
  pub: TufPublicKey,
  keys: Record<string, KeyLike>,
  keyids: Iterable<string>,
): string[] {
  const mine = keyMaterial(pub);
  return [...keyids].filter((id) => Object.hasOwn(keys, id) && keyMaterial(keys[id]!) === mine);
}

/** The keyid to list `pub` under in `keys`: the one already listing it, else the spec keyid. */
export function keyidIn(keys: Record<string, KeyLike>, pub: TufPublicKey): string {
  return keyidsOf(pub, keys, Object.keys(keys))[0] ?? keyId(pub);
}

/** A role that lists one key under two keyids. */
export interface DuplicateKey {
  role: string;
  keyids: [string, string];
}

function firstDuplicate(
  role: string,
  keyids: unknown,
  keys: Record<string, KeyLike>,
): DuplicateKey | undefined {
  if (!Array.isArray(keyids)) return undefined;
  const seen = new Map<string, string>();
  for (const id of keyids as string[]) {
    const k = typeof id === 'string' && Object.hasOwn(keys, id) ? keys[id] : undefined;
    if (!k || typeof k !== 'object') continue;
    const m = keyMaterial(k);
    const other = seen.get(m);
    if (other !== undefined && other !== id) return { role, keyids: [other, id] };
    seen.set(m, id);
  }
  return undefined;
}

/**
 * The first role (root's role entries, targets' delegated roles and succinct bins) that
 * lists one key under two keyids. Works on plain, unvalidated JSON: the client runs it on
 * what a repository served, before tuf-js counts keyids.
 */
export function duplicateKey(signed: AnySigned): DuplicateKey | undefined {
  if (signed._type === 'root') {
    const keys = (signed.keys ?? {}) as Record<string, KeyLike>;
    for (const [role, r] of Object.entries(signed.roles ?? {})) {
      const d = firstDuplicate(role, (r as { keyids?: unknown })?.keyids, keys);
      if (d) return d;
    }
  }
  if (signed._type === 'targets') {
    const del = signed.delegations;
    const keys = (del?.keys ?? {}) as Record<string, KeyLike>;
    for (const r of Array.isArray(del?.roles) ? del.roles : []) {
      const d = firstDuplicate(String(r?.name), r?.keyids, keys);
      if (d) return d;
    }
    const bins = del?.succinct_roles;
    if (bins) return firstDuplicate(`${String(bins.name_prefix)}-*`, bins.keyids, keys);
  }
  return undefined;
}

/** Words for a duplicate: the role and both keyids. */
export function duplicateKeyMessage(d: DuplicateKey): string {
  return `role ${JSON.stringify(d.role)} lists one key under two keyids, ${d.keyids[0]} and ${d.keyids[1]}; a key counts once toward a threshold, so list it once`;
}

/** Keys in one keys map of the event, named for errors. */
export interface KeyMap {
  where: string;
  keys: Record<string, KeyJson>;
}

/**
 * Every keyid must be the spec hash of its key, or an adopted one: a keyid the known-good
 * state (`adopted`) already lists for the same key. So a legacy repository keeps its
 * keyids, and no event brings in a new key under a keyid of its own choosing.
 */
export function checkKeyids(maps: KeyMap[], adopted: Record<string, KeyJson>[]): void {
  for (const { where, keys } of maps) {
    for (const [id, key] of Object.entries(keys)) {
      const spec = keyId(key);
      if (id === spec) continue;
      const mine = keyMaterial(key);
      if (adopted.some((a) => Object.hasOwn(a, id) && keyMaterial(a[id]!) === mine)) continue;
      throw new UserError(
        `${where}: key ${id} is listed under a keyid that is not its spec keyid (${spec}) and that the known-good state does not already use for it; list a new key under its spec keyid`,
      );
    }
  }
}
