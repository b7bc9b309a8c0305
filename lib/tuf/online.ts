import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { canonicalize } from '@tufjs/canonical-json';
import { SignerError, UserError } from '../errors.js';
import type { Signer } from '../signers/signer.js';
import { addDays, serialize, signedBytes, signerCount, tufDate } from './envelope.js';
import { keyMaterial } from './key-identity.js';
import { keyId } from './keys.js';
import type { RepoDir } from './repo.js';
import { checkRoleSigned, isOnlineSigned } from './health.js';
import { importedRoles } from './imported.js';
import { binGroups, compactRoleNames, delegatorName } from './bins.js';
import { periodsOf, roleKeys } from './roles.js';
import type { RoleKeys } from './roles.js';
import { ONLINE_URI } from './types.js';
import type {
  Envelope,
  MetaFileJson,
  RootSigned,
  SnapshotSigned,
  TimestampSigned,
} from './types.js';

/** Finds the signer for an online key URI (see lib/signers/online/). */
export type OnlineSignerFactory = (uri: string, keyid: string) => Promise<Signer>;

export interface OnlineResult {
  written: ('snapshot' | 'timestamp')[];
  /** Online-signed delegated roles (online hash bins) signed anew, before the snapshot. */
  bins: string[];
  reasons: string[];
}

function metaFile(bytes: Buffer, version: number): MetaFileJson {
  return {
    version,
    length: bytes.length,
    hashes: { sha256: createHash('sha256').update(bytes).digest('hex') },
  };
}

/** Why a role needs a fresh online signature, or undefined when it is fine as it is. */
function staleness(
  role: string,
  cur: Envelope | undefined,
  meta: Record<string, MetaFileJson>,
  root: RootSigned,
  now: Date,
): string | undefined {
  if (!cur) return `${role}: none yet`;
  if (canonicalize(cur.signed.meta as object) !== canonicalize(meta))
    return `${role}: content changed`;
  const { signing } = periodsOf(role, cur, root);
  if (now.getTime() >= new Date(cur.signed.expires).getTime() - signing * 86_400_000) {
    return `${role}: in its signing period (expires ${cur.signed.expires})`;
  }
  const rk = roleKeys(role, root, undefined)!;
  if (signerCount(cur, rk.keys, rk.keyids) < rk.threshold)
    return `${role}: signature no longer valid`;
  return undefined;
}

async function signOnline(
  role: string,
  env: Envelope,
  root: RootSigned,
  factory: OnlineSignerFactory,
  rule?: { rk: RoleKeys; where: string },
): Promise<void> {
  const rk = rule?.rk ?? roleKeys(role, root, undefined);
  const where = rule?.where ?? 'root';
  const keys = rk?.keys ?? {};
  const keyid = rk?.keyids.find((id) => typeof keys[id]?.[ONLINE_URI] === 'string');
  if (!rk || !keyid)
    throw new UserError(`metadata/${where}.json: role ${role} has no key with ${ONLINE_URI}`);
  const signer = await factory(keys[keyid]![ONLINE_URI] as string, keyid);
  const pub = await signer.publicKey();
  // matched by key material: root may list the online key under a legacy keyid
  if (keyMaterial(pub) !== keyMaterial(keys[keyid]!)) {
    // exit 5, as an offline key that is not in the role
    throw new SignerError(
      'key',
      `${signer.description}: online key ${keyId(pub).slice(0, 12)} is not the ${role} key in ${where} (${keyid.slice(0, 12)})`,
    );
  }
  env.signatures = [{ keyid, sig: await signer.sign(signedBytes(env)) }];
}

/**
 * Signs the online hash bins that need it: their content changed (an event dropped the
 * signature), or they are due or expired. A bin gets a new version unless the event
 * already gave it one the snapshot does not list yet.
 */
async function signOnlineBins(
  repo: RepoDir,
  offline: Map<string, Envelope>,
  root: RootSigned,
  curSnap: Envelope<SnapshotSigned> | undefined,
  factory: OnlineSignerFactory,
  now: Date,
): Promise<string[]> {
  const signed: string[] = [];
  for (const [role, env] of offline) {
    if (!isOnlineSigned(role, root, offline)) continue;
    const rk = roleKeys(role, root, offline)!;
    const listed = curSnap?.signed.meta[`${role}.json`]?.version ?? 0;
    const valid = signerCount(env, rk.keys, rk.keyids) >= rk.threshold;
    const { expiry, signing } = periodsOf(role, env, root);
    const due = now.getTime() >= new Date(env.signed.expires).getTime() - signing * 86_400_000;
    if (valid && !due && env.signed.version >= listed) continue;
    if (due || env.signed.version <= listed) {
      env.signed.version = Math.max(env.signed.version, listed) + 1;
      env.signed.expires = tufDate(addDays(now, expiry));
    }
    const where = delegatorName(offline, role) ?? 'targets';
    await signOnline(role, env, root, factory, { rk, where });
    repo.writeRole(role, env);
    signed.push(role);
  }
  return signed;
}

/**
 * New snapshot and timestamp, only when needed: content changed, signing period
 * reached, or the current signature no longer verifies.
 */
export async function onlineSign(
  repo: RepoDir,
  factory: OnlineSignerFactory,
  now: Date,
): Promise<OnlineResult> {
  const offline = repo.readOfflineRoles();
  const root = (offline.get('root') ?? repo.root()).signed as RootSigned;
  const reasons: string[] = [];
  const written: OnlineResult['written'] = [];
  const curSnap = repo.has('snapshot')
    ? (repo.readRole('snapshot') as Envelope<SnapshotSigned>)
    : undefined;
  const bins = await signOnlineBins(repo, offline, root, curSnap, factory, now);
  if (bins.length)
    reasons.push(`${compactRoleNames(bins, binGroups(offline))}: content changed or due`);
  const meta: Record<string, MetaFileJson> = {};
  // never vouch (in a snapshot) for metadata a client would reject
  const imported = importedRoles(offline);
  for (const [role, env] of offline) {
    if (new Date(env.signed.expires) <= now) {
      const src = imported.get(role);
      throw new UserError(
        src
          ? `metadata/${role}.json: the imported role (role "${src.role}" of ${src.repository}) expired on ${env.signed.expires}; run \`tufci copy --refresh\` to bring the source's newer version (the source must sign one)`
          : `metadata/${role}.json: role ${role} expired on ${env.signed.expires}; sign a new version first`,
      );
    }
    const prev = role === 'root' ? 0 : (curSnap?.signed.meta[`${role}.json`]?.version ?? 0);
    if (env.signed.version < prev) {
      throw new UserError(
        `metadata/${role}.json: version ${env.signed.version} goes backwards (snapshot has version ${prev})`,
      );
    }
    checkRoleSigned(
      role,
      env,
      root,
      offline,
      now,
      'an unsigned change reached this branch; not signing a snapshot over it',
    );
    if (role === 'root') continue;
    meta[`${role}.json`] = metaFile(readFileSync(repo.rolePath(role)), env.signed.version);
  }
  // A role no longer delegated (a bin of an earlier shape, a removed role) keeps its entry:
  // python-tuf and tuf-js refuse a new snapshot that drops one ("missing info for …"), and
  // the version it holds keeps a later role of that name from reusing a version.
  for (const [name, entry] of Object.entries(curSnap?.signed.meta ?? {}))
    if (!(name in meta)) meta[name] = entry;
  let snapBytes = repo.has('snapshot') ? readFileSync(repo.rolePath('snapshot')) : undefined;
  const snapWhy = staleness('snapshot', curSnap, meta, root, now);
  let snapVersion = curSnap?.signed.version ?? 0;
  if (snapWhy) {
    reasons.push(snapWhy);
    const { expiry } = periodsOf('snapshot', curSnap, root);
    snapVersion += 1;
    const signed: SnapshotSigned = {
      _type: 'snapshot',
      spec_version: '1.0.31',
      version: snapVersion,
      expires: tufDate(addDays(now, expiry)),
      meta,
    };
    const env: Envelope = { signed, signatures: [] };
    await signOnline('snapshot', env, root, factory);
    snapBytes = Buffer.from(serialize(env));
    repo.writeRole('snapshot', env);
    written.push('snapshot');
  }
  const curTs = repo.has('timestamp')
    ? (repo.readRole('timestamp') as Envelope<TimestampSigned>)
    : undefined;
  const tsMeta = { 'snapshot.json': metaFile(snapBytes!, snapVersion) };
  const tsWhy = staleness('timestamp', curTs, tsMeta, root, now);
  if (tsWhy) {
    reasons.push(tsWhy);
    const { expiry } = periodsOf('timestamp', curTs, root);
    const signed: TimestampSigned = {
      _type: 'timestamp',
      spec_version: '1.0.31',
      version: (curTs?.signed.version ?? 0) + 1,
      expires: tufDate(addDays(now, expiry)),
      meta: tsMeta,
    };
    const env: Envelope = { signed, signatures: [] };
    await signOnline('timestamp', env, root, factory);
    repo.writeRole('timestamp', env);
    written.push('timestamp');
  }
  return { written, bins, reasons };
}
