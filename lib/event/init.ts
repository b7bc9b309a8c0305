import { checkOnlineUri } from '../signers/online/index.js';
import { UserError } from '../errors.js';
import type { TufPublicKey } from '../tuf/types.js';
import { addDays, tufDate } from '../tuf/envelope.js';
import { keyId } from '../tuf/keys.js';
import type { RepoDir } from '../tuf/repo.js';
import { checkThreshold } from '../tuf/roles.js';
import {
  EXPIRY_PERIOD,
  KEYOWNER,
  ONLINE_URI,
  SIGNING_PERIOD,
  TOP_LEVEL_DIRS,
} from '../tuf/types.js';
import type { KeyJson, RootSigned, TargetsSigned } from '../tuf/types.js';
import type { Invites } from './invites.js';
import { writeInvites } from './invites.js';

interface OfflineRoleSpec {
  signers: string[];
  threshold: number;
  expiryDays?: number;
  signingDays?: number;
}

export interface InitOptions {
  /** The maintainer running init; their key is added, the other signers are invited. */
  user: string;
  /** Undefined when the maintainer signs neither root nor targets (every signer is invited). */
  userKey?: TufPublicKey;
  /** Public keys already known for other signers (no invite needed). */
  knownKeys?: Record<string, TufPublicKey>;
  root: OfflineRoleSpec;
  targets: OfflineRoleSpec;
  onlineKey: TufPublicKey;
  /** Where CI finds the online key, e.g. `envvar:TUFCI_ONLINE_KEY`. */
  onlineUri: string;
  timestamp?: { expiryDays?: number; signingDays?: number };
  snapshot?: { expiryDays?: number; signingDays?: number };
  /** Files in targets/<dir>/ without a role <dir> belong to targets instead of being refused. */
  topLevelDirs?: boolean;
  now: Date;
}

function periods(expiry?: number, signing?: number): Record<string, number> {
  const out: Record<string, number> = {};
  if (expiry !== undefined) out[EXPIRY_PERIOD] = expiry;
  if (signing !== undefined) out[SIGNING_PERIOD] = signing;
  return out;
}

/**
 * Bootstraps root and targets (version 1) with the online key for snapshot and
 * timestamp. Signers without a known key are invited. Writes nothing on bad input.
 */
export function initRepository(repo: RepoDir, o: InitOptions): Invites {
  checkOnlineUri(o.onlineUri, '--online-uri');
  if (repo.has('root'))
    throw new UserError('metadata/root.json: already exists; this repository is initialised');
  const keys: Record<string, KeyJson> = {};
  const known: Record<string, TufPublicKey> = { ...(o.knownKeys ?? {}) };
  if (o.userKey) known[o.user] = o.userKey;
  const invites: Invites = {};
  const roleEntry = (
    role: string,
    spec: OfflineRoleSpec,
  ): { keyids: string[]; threshold: number } => {
    if (!spec.signers.length)
      throw new UserError(`--${role}-signers: at least one signer is needed`);
    const keyids: string[] = [];
    for (const user of spec.signers) {
      const pub = known[user];
      if (pub) {
        const id = keyId(pub);
        keys[id] = { ...pub, [KEYOWNER]: user };
        keyids.push(id);
      } else (invites[user] ??= []).push(role);
    }
    checkThreshold(
      `--${role}-threshold`,
      { keyids, threshold: spec.threshold },
      spec.signers.length - keyids.length,
    );
    return { keyids, threshold: spec.threshold };
  };
  const rootRole = roleEntry('root', o.root);
  const targetsRole = roleEntry('targets', o.targets);
  const onlineId = keyId(o.onlineKey);
  keys[onlineId] = { ...o.onlineKey, [ONLINE_URI]: o.onlineUri };
  const root: RootSigned = {
    _type: 'root',
    spec_version: '1.0.31',
    version: 1,
    expires: tufDate(addDays(o.now, o.root.expiryDays ?? 365)),
    consistent_snapshot: true,
    keys,
    roles: {
      root: rootRole,
      targets: targetsRole,
      snapshot: {
        keyids: [onlineId],
        threshold: 1,
        ...periods(o.snapshot?.expiryDays, o.snapshot?.signingDays),
      },
      timestamp: {
        keyids: [onlineId],
        threshold: 1,
        ...periods(o.timestamp?.expiryDays, o.timestamp?.signingDays),
      },
    },
    ...periods(o.root.expiryDays, o.root.signingDays),
  };
  const targets: TargetsSigned = {
    _type: 'targets',
    spec_version: '1.0.31',
    version: 1,
    expires: tufDate(addDays(o.now, o.targets.expiryDays ?? 365)),
    targets: {},
    ...periods(o.targets.expiryDays, o.targets.signingDays),
    ...(o.topLevelDirs ? { [TOP_LEVEL_DIRS]: true } : {}),
  };
  repo.writeRole('root', { signed: root, signatures: [] });
  repo.writeRole('targets', { signed: targets, signatures: [] });
  writeInvites(repo.dir, invites);
  return invites;
}
