import { UserError } from '../errors.js';
import { keyMaterial, keyidIn } from '../tuf/key-identity.js';
import type { RepoDir } from '../tuf/repo.js';
import { ownerOf } from '../tuf/roles.js';
import { KEYOWNER } from '../tuf/types.js';
import type { KeyJson, TufPublicKey } from '../tuf/types.js';

export interface RotateOptions {
  /** The signer whose key is replaced (`@name`). */
  user: string;
  /** The replacement key. */
  newKey: TufPublicKey;
  /** The signer's current key, when known: its material is matched too (whatever its label). */
  oldKey?: TufPublicKey;
}

export interface RotateResult {
  /** Roles whose keyids changed, root's first, then delegated roles. */
  roles: string[];
  /** The keyid the new key is listed under. */
  keyid: string;
  /** The keyids that were replaced. */
  replaced: string[];
}

/** One key map with the roles that draw on it. */
interface KeyHolder {
  keys: Record<string, KeyJson>;
  roles: { name: string; keyids: string[] }[];
}

/**
 * Replaces `user`'s key by `newKey` in every role that lists it: root's roles (root,
 * targets), targets' delegations and succinct hash bins. Thresholds stay; the new key
 * is listed under its spec keyid (or the keyid the repository already lists it under),
 * carries the owner label, and the old keys are dropped where no role uses them any
 * more. Run `updateEvent` afterwards for the version bumps.
 */
export function rotateKey(repo: RepoDir, o: RotateOptions): RotateResult {
  const root = repo.root();
  const targets = repo.has('targets') ? repo.targets() : undefined;
  const newMaterial = keyMaterial(o.newKey);
  const oldMaterial = o.oldKey ? keyMaterial(o.oldKey) : undefined;
  const isOld = (k: KeyJson): boolean =>
    k[KEYOWNER] === o.user || (oldMaterial !== undefined && keyMaterial(k) === oldMaterial);

  const delegations = targets?.signed.delegations;
  const holders: KeyHolder[] = [
    {
      keys: root.signed.keys,
      roles: Object.entries(root.signed.roles).map(([name, r]) => ({
        name,
        get keyids() {
          return r.keyids;
        },
        set keyids(v: string[]) {
          r.keyids = v;
        },
      })),
    },
  ];
  if (delegations) {
    holders.push({
      keys: delegations.keys,
      roles: [
        ...(delegations.roles ?? []),
        ...(delegations.succinct_roles
          ? [
              {
                name: `${delegations.succinct_roles.name_prefix}-* (hash bins)`,
                get keyids() {
                  return delegations.succinct_roles!.keyids;
                },
                set keyids(v: string[]) {
                  delegations.succinct_roles!.keyids = v;
                },
              },
            ]
          : []),
      ],
    });
  }

  // the new key must not be someone else's
  for (const h of holders)
    for (const [id, k] of Object.entries(h.keys))
      if (keyMaterial(k) === newMaterial && !isOld(k))
        throw new UserError(
          `--new-key: this key (keyid ${id.slice(0, 12)}) is already ${ownerOf(k, id)}'s key in this repository`,
        );

  const roles: string[] = [];
  const replaced = new Set<string>();
  let keyid = '';
  for (const h of holders) {
    const oldIds = new Set(Object.entries(h.keys).flatMap(([id, k]) => (isOld(k) ? [id] : [])));
    const id = keyidIn(h.keys, o.newKey);
    keyid ||= id;
    let used = false;
    for (const r of h.roles) {
      if (!r.keyids.some((k) => oldIds.has(k))) continue;
      if (r.keyids.some((k) => oldIds.has(k) && keyMaterial(h.keys[k]!) === newMaterial))
        throw new UserError(`--new-key: this is already your key in ${r.name}; nothing to rotate`);
      const next: string[] = [];
      for (const k of r.keyids) {
        if (oldIds.has(k)) {
          replaced.add(k);
          if (!next.includes(id)) next.push(id);
        } else if (k !== id) next.push(k);
      }
      r.keyids = next;
      used = true;
      if (!roles.includes(r.name)) roles.push(r.name);
    }
    if (!used) continue;
    h.keys[id] = { ...o.newKey, [KEYOWNER]: o.user };
    const inUse = new Set(h.roles.flatMap((r) => r.keyids));
    for (const k of oldIds) if (!inUse.has(k)) delete h.keys[k];
  }
  if (!roles.length)
    throw new UserError(
      `no role lists a key of ${o.user}: there is nothing to rotate (an invited signer accepts with \`tufci sign\`)`,
    );
  // root's version bump (and root_history) follows in updateEvent
  repo.writeRole('root', root, { history: false });
  if (targets) repo.writeRole('targets', targets);
  return { roles, keyid, replaced: [...replaced] };
}
