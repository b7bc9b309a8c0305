import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { canonicalize } from '@tufjs/canonical-json';
import { UserError } from '../errors.js';
import type { Signer } from '../signers/signer.js';
import { addDays, serialize, signedBytes, signerCount, tufDate } from './envelope.js';
import { keyMaterial } from './key-identity.js';
import { keyId } from './keys.js';
import type { RepoDir } from './repo.js';
import { checkRoleSigned } from './health.js';
import { isOnlineDelegated, periodsOf, roleKeys } from './roles.js';
import type { RoleKeys } from './roles.js';
import { ONLINE_URI } from './types.js';
import type {
  Envelope,
  MetaFileJson,
  RootSigned,
  SnapshotSigned,
  TargetsSigned,
  TimestampSigned,
} from './types.js';

/** Finds the signer for an online key URI (see lib/signers/online/). */
export type OnlineSignerFactory = (uri: string, keyid: string) => Promise<Signer>;

export interface OnlineResult {
  /** Online-signed delegated roles (a recently-claimed layer), then snapshot and timestamp. */
  written: string[];
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
  rule?: RoleKeys,
): Promise<void> {
  const rk = rule ?? roleKeys(role, root, undefined);
  const where = rule ? `the delegation of ${role}` : 'metadata/root.json';
  const keyid = rk?.keyids.find((id) => typeof rk.keys[id]?.[ONLINE_URI] === 'string');
  if (!rk || !keyid) throw new UserError(`${where}: role ${role} has no key with ${ONLINE_URI}`);
  const signer = await factory(rk.keys[keyid]![ONLINE_URI] as string, keyid);
  const pub = await signer.publicKey();
  // matched by key material: root may list the online key under a legacy keyid
  if (keyMaterial(pub) !== keyMaterial(rk.keys[keyid]!)) {
    throw new UserError(
      `${signer.description}: online key ${keyId(pub).slice(0, 12)} is not the ${role} key in ${where} (${keyid.slice(0, 12)})`,
    );
  }
  env.signatures = [{ keyid, sig: await signer.sign(signedBytes(env)) }];
}

/**
 * Signs the delegated roles the online key signs (a projects layout's recently-claimed
 * layer) when their signature no longer verifies (an event changed them) or they are in
 * their signing period (then with a new version and expiry). Returns the roles written.
 */
async function signOnlineDelegated(
  repo: RepoDir,
  offline: Map<string, Envelope>,
  root: RootSigned,
  factory: OnlineSignerFactory,
  now: Date,
  reasons: string[],
): Promise<string[]> {
  const targets = offline.get('targets')?.signed as TargetsSigned | undefined;
  const written: string[] = [];
  for (const [role, env] of offline) {
    const rk = roleKeys(role, root, targets, offline);
    if (!isOnlineDelegated(role, rk)) continue;
    const { expiry, signing } = periodsOf(role, env, root);
    const due = now.getTime() >= new Date(env.signed.expires).getTime() - signing * 86_400_000;
    const valid = signerCount(env, rk!.keys, rk!.keyids) >= rk!.threshold;
    if (valid && !due) continue;
    if (due) {
      env.signed.version += 1;
      env.signed.expires = tufDate(addDays(now, expiry));
    }
    reasons.push(`${role}: ${due ? 'in its signing period' : 'changed since it was signed'}`);
    await signOnline(role, env, root, factory, rk);
    repo.writeRole(role, env);
    written.push(role);
  }
  return written;
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
  const written: OnlineResult['written'] = await signOnlineDelegated(
    repo,
    offline,
    root,
    factory,
    now,
    reasons,
  );
  const curSnap = repo.has('snapshot')
    ? (repo.readRole('snapshot') as Envelope<SnapshotSigned>)
    : undefined;
  const meta: Record<string, MetaFileJson> = {};
  // never vouch (in a snapshot) for metadata a client would reject
  const targets = offline.get('targets')?.signed as TargetsSigned | undefined;
  for (const [role, env] of offline) {
    if (new Date(env.signed.expires) <= now) {
      throw new UserError(
        `metadata/${role}.json: role ${role} expired on ${env.signed.expires}; sign a new version first`,
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
      targets,
      now,
      'an unsigned change reached this branch; not signing a snapshot over it',
      offline,
    );
    if (role === 'root') continue;
    meta[`${role}.json`] = metaFile(readFileSync(repo.rolePath(role)), env.signed.version);
  }
  // A role that is gone (a removed project, an emptied bin) stays listed as it was: TUF
  // clients refuse a snapshot that drops a file the trusted one lists. Nothing delegates
  // to it any more, so no client loads it.
  for (const [file, m] of Object.entries(curSnap?.signed.meta ?? {}))
    if (!(file in meta) && file !== 'root.json') meta[file] = m;
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
  return { written, reasons };
}
