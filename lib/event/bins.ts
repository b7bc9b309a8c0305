/**
 * `tufci delegate EVENT ROLE --bins N`: ROLE (targets or a delegated role) delegates to N
 * succinct hash bins (TAP 15), signed by people (`--signers`) or by the online key
 * (`--online`, as PEP 458 does for PyPI). Re-shaping (another N or prefix) removes the
 * bins of the old shape; `updateEvent` then creates the new ones and moves every target.
 */
import { UsageError, UserError } from '../errors.js';
import { binNames } from '../tuf/bins.js';
import { keyidIn } from '../tuf/key-identity.js';
import { checkDelegatedRoleName } from '../tuf/names.js';
import type { RepoDir } from '../tuf/repo.js';
import { checkThreshold } from '../tuf/roles.js';
import { KEYOWNER, ONLINE_URI } from '../tuf/types.js';
import type { Envelope, KeyJson, RootSigned, TargetsSigned, TufPublicKey } from '../tuf/types.js';

export interface BinsOptions {
  role: string;
  /** bit_length of the new shape; omitted: the current one. */
  bits?: number;
  /** Sign the bins with the repository's online key. */
  online?: boolean;
  /** Bin names are `<prefix>-<hex>`; default: the current prefix, else `bins` (`<role>-bins` below targets). */
  prefix?: string;
  /** The bins' signers (`@user`, each with a key in the repository or in knownKeys). */
  signers?: string[];
  threshold?: number;
  knownKeys?: Record<string, TufPublicKey>;
}

/** The online key (root's timestamp key, else snapshot's, with an online URI). */
function onlineKey(root: RootSigned): [string, KeyJson] {
  for (const role of ['timestamp', 'snapshot']) {
    for (const id of root.roles[role]?.keyids ?? []) {
      const k = root.keys[id];
      if (typeof k?.[ONLINE_URI] === 'string') return [id, k];
    }
  }
  throw new UserError(
    `--online: metadata/root.json has no online key (a timestamp key with ${ONLINE_URI}); set one up with \`tufci init\` or \`tufci delegate EVENT timestamp\``,
  );
}

/** Creates or re-shapes `o.role`'s hash-bin delegation, writing the delegating role (and root untouched). */
export function delegateBins(repo: RepoDir, o: BinsOptions): void {
  if (o.role === 'root' || o.role === 'snapshot' || o.role === 'timestamp')
    throw new UsageError(
      `--bins: role ${o.role} cannot delegate to hash bins (only targets or a delegated role)`,
    );
  if (o.online && o.signers)
    throw new UsageError(
      '--online and --signers: online bins are signed by the online key; give one of them',
    );
  if (o.role !== 'targets' && !repo.has(o.role))
    throw new UserError(
      `--bins: role ${o.role} does not exist; create it first (\`tufci delegate EVENT ${o.role} --signers …\`)`,
    );
  const root = repo.root().signed;
  const env: Envelope<TargetsSigned> = repo.targets(o.role);
  const t = env.signed;
  const named = t.delegations?.roles ?? [];
  if (named.length)
    throw new UserError(
      `--bins: role ${o.role} delegates to ${named.map((r) => r.name).join(', ')}; TUF lets a role delegate to named roles or to hash bins, not both`,
    );
  const old = t.delegations?.succinct_roles;
  const bits = o.bits ?? old?.bit_length;
  if (bits === undefined)
    throw new UsageError(`--bins: role ${o.role} has no hash bins yet; give --bins N`);
  const prefix = o.prefix ?? old?.name_prefix ?? (o.role === 'targets' ? 'bins' : `${o.role}-bins`);
  checkDelegatedRoleName(prefix, '--bin-prefix');
  const next = binNames({ bit_length: bits, name_prefix: prefix });
  const clash = next.find((b) => b === o.role || (!old && repo.has(b)));
  if (clash)
    throw new UserError(
      `--bin-prefix ${prefix}: bin ${clash} would be named like an existing role; choose another prefix`,
    );

  const keys: Record<string, KeyJson> = t.delegations?.keys ?? {};
  // a signer's key may be listed anywhere: root, or any role's delegations
  const allKeys: Record<string, KeyJson> = {};
  for (const r of repo.readOfflineRoles({ missingBins: 'skip' }).values())
    Object.assign(allKeys, (r.signed as TargetsSigned).delegations?.keys ?? {});
  Object.assign(allKeys, keys, root.keys);
  const wasOnline = !!old && old.keyids.some((id) => keys[id]?.[ONLINE_URI] !== undefined);
  let keyids: string[];
  let threshold: number;
  if (o.online || (wasOnline && !o.signers)) {
    const [id, key] = onlineKey(root);
    keys[id] = key;
    keyids = [id];
    threshold = 1;
    if (o.threshold !== undefined && o.threshold !== 1)
      throw new UsageError('--threshold: online bins are signed by the one online key');
  } else {
    if (!o.signers?.length && !old)
      throw new UsageError(
        `--signers: the bins of ${o.role} need signers (or --online for the online key)`,
      );
    keyids = old?.keyids ?? [];
    if (o.signers) {
      keyids = [];
      for (const user of o.signers) {
        const known = o.knownKeys?.[user];
        if (known) {
          const id = keyidIn(allKeys, known);
          keys[id] = { ...known, [KEYOWNER]: user };
          keyids.push(id);
          continue;
        }
        const owned = Object.entries(allKeys).find(([, k]) => k[KEYOWNER] === user);
        if (!owned)
          throw new UserError(
            `--signers: ${user} has no key in the repository yet; give --key ${user}=PUBLIC.pem (bins take no invites)`,
          );
        keys[owned[0]] = owned[1];
        keyids.push(owned[0]);
      }
    }
    threshold = o.threshold ?? (wasOnline ? 1 : (old?.threshold ?? 1));
  }
  checkThreshold(`--threshold for the bins of ${o.role}`, { keyids, threshold });
  t.delegations = {
    keys,
    succinct_roles: { bit_length: bits, name_prefix: prefix, keyids, threshold },
  };
  // bins of the old shape are no longer delegated: their targets move to the new bins
  if (old) {
    const keep = new Set(next);
    for (const b of binNames(old)) if (!keep.has(b) && repo.has(b)) repo.removeRole(b);
  }
  const used = new Set(keyids);
  for (const id of Object.keys(keys)) if (!used.has(id)) delete keys[id];
  repo.writeRole(o.role, env);
}
