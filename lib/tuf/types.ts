/** Plain JSON shapes of TUF metadata, as stored in `metadata/*.json`. */

export const KEYOWNER = 'x-tuf-on-ci-keyowner';
export const ONLINE_URI = 'x-tuf-on-ci-online-uri';
/** In targets.json: files in targets/<dir>/ without a role <dir> belong to targets (not refused). */
export const TOP_LEVEL_DIRS = 'x-tufci-top-level-dirs';
export const EXPIRY_PERIOD = 'x-tuf-on-ci-expiry-period';
export const SIGNING_PERIOD = 'x-tuf-on-ci-signing-period';

/** A public key as TUF metadata holds it (custom fields such as the key owner are added separately). */
export interface TufPublicKey {
  keytype: string;
  scheme: string;
  keyval: { public: string };
}

export interface KeyJson {
  keytype: string;
  scheme: string;
  keyval: { public: string };
  [KEYOWNER]?: string;
  [ONLINE_URI]?: string;
  [custom: string]: unknown;
}

export interface RoleKeysJson {
  keyids: string[];
  threshold: number;
  [custom: string]: unknown;
}

interface SignatureJson {
  keyid: string;
  sig: string;
}

interface CommonSigned {
  _type: string;
  spec_version: string;
  version: number;
  expires: string;
  [custom: string]: unknown;
}

export interface RootSigned extends CommonSigned {
  _type: 'root';
  consistent_snapshot: boolean;
  keys: Record<string, KeyJson>;
  roles: Record<string, RoleKeysJson>;
}

export interface TargetFileJson {
  length: number;
  hashes: Record<string, string>;
  custom?: Record<string, unknown>;
}

export interface DelegatedRoleJson extends RoleKeysJson {
  name: string;
  terminating: boolean;
  paths?: string[];
  path_hash_prefixes?: string[];
}

interface SuccinctRolesJson {
  bit_length: number;
  name_prefix: string;
  keyids: string[];
  threshold: number;
}

export interface DelegationsJson {
  keys: Record<string, KeyJson>;
  roles?: DelegatedRoleJson[];
  succinct_roles?: SuccinctRolesJson;
}

export interface TargetsSigned extends CommonSigned {
  _type: 'targets';
  targets: Record<string, TargetFileJson>;
  delegations?: DelegationsJson;
}

export interface MetaFileJson {
  version: number;
  length?: number;
  hashes?: Record<string, string>;
}

export interface SnapshotSigned extends CommonSigned {
  _type: 'snapshot';
  meta: Record<string, MetaFileJson>;
}

export interface TimestampSigned extends CommonSigned {
  _type: 'timestamp';
  meta: Record<string, MetaFileJson>;
}

export type AnySigned = RootSigned | TargetsSigned | SnapshotSigned | TimestampSigned;

export interface Envelope<T extends AnySigned = AnySigned> {
  signed: T;
  signatures: SignatureJson[];
}

export const TOP_LEVEL_ROLES = ['root', 'targets', 'snapshot', 'timestamp'] as const;

export function isOnlineRole(role: string): boolean {
  return role === 'snapshot' || role === 'timestamp';
}

/** Which metadata type a role name has. */
export function roleType(role: string): AnySigned['_type'] {
  if (role === 'root' || role === 'snapshot' || role === 'timestamp') return role;
  return 'targets';
}
