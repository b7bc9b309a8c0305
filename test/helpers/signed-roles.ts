/**
 * Signed targets roles built in memory (ed25519 keys generated at test time) and a
 * DelegationLookup over them, served from a directory as consistent-snapshot files.
 */
import { createHash, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { canonicalize } from '@tufjs/canonical-json';
import { Metadata, MetadataKind, Signature, type Targets } from '@tufjs/models';
import { DelegationLookup } from '../../lib/client/delegations.js';
import { dirFetcher, dirUrl } from '../../lib/client/fetchers.js';

const NOW = new Date('2026-01-01T00:00:00Z');
const EXPIRES = '2030-01-01T00:00:00Z';

export interface TestKey {
  keyid: string;
  json: { keytype: string; scheme: string; keyval: { public: string } };
  priv: KeyObject;
}

export function newKey(): TestKey {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const raw = publicKey.export({ format: 'der', type: 'spki' }).subarray(-32).toString('hex');
  const json = { keytype: 'ed25519', scheme: 'ed25519', keyval: { public: raw } };
  const keyid = createHash('sha256').update(canonicalize(json)).digest('hex');
  return { keyid, json, priv: privateKey };
}

export interface Rule {
  name: string;
  keys: TestKey[];
  paths: string[];
  threshold?: number;
  terminating?: boolean;
  /** Unrecognized fields of the delegation entry, e.g. `x-tufci-import`. */
  extra?: Record<string, unknown>;
}

export interface Listed {
  length: number;
  sha256: string;
}

/** A signed targets role listing `targets` (path → length and sha256) and delegating `rules`. */
export function role(
  signers: TestKey[],
  o: { targets?: Record<string, Listed>; rules?: Rule[]; version?: number } = {},
): Metadata<Targets> {
  const keys: Record<string, unknown> = {};
  const delegations = o.rules
    ? {
        keys,
        roles: o.rules.map((r) => {
          for (const k of r.keys) keys[k.keyid] = k.json;
          return {
            name: r.name,
            keyids: r.keys.map((k) => k.keyid),
            threshold: r.threshold ?? 1,
            paths: r.paths,
            terminating: r.terminating ?? false,
            ...r.extra,
          };
        }),
      }
    : undefined;
  const targets: Record<string, unknown> = {};
  for (const [path, t] of Object.entries(o.targets ?? {}))
    targets[path] = { length: t.length, hashes: { sha256: t.sha256 } };
  const md = Metadata.fromJSON(MetadataKind.Targets, {
    signed: {
      _type: 'targets',
      spec_version: '1.0.31',
      version: o.version ?? 1,
      expires: EXPIRES,
      targets,
      ...(delegations ? { delegations } : {}),
    },
    signatures: [],
  } as never);
  for (const key of signers)
    md.sign(
      (data) =>
        new Signature({ keyID: key.keyid, sig: sign(null, data, key.priv).toString('hex') }),
    );
  return md;
}

/**
 * Publishes `roles` as `<version>.<role>.json` (JSON text, or `Metadata` serialised) and
 * returns a lookup over them with `top` as the trusted top-level targets.
 */
export function lookup(
  top: Metadata<Targets>,
  roles: Record<string, Metadata<Targets> | string>,
): DelegationLookup {
  const dir = mkdtempSync(join(tmpdir(), 'tufci-deleg-'));
  const meta: Record<string, { version: number }> = { 'targets.json': { version: 1 } };
  for (const [name, md] of Object.entries(roles)) {
    const text = typeof md === 'string' ? md : JSON.stringify(md.toJSON());
    const version = (JSON.parse(text) as { signed: { version: number } }).signed.version;
    writeFileSync(join(dir, `${version}.${encodeURIComponent(name)}.json`), text);
    meta[`${name}.json`] = { version };
  }
  const snapshot = Metadata.fromJSON(MetadataKind.Snapshot, {
    signed: { _type: 'snapshot', spec_version: '1.0.31', version: 1, expires: EXPIRES, meta },
    signatures: [],
  } as never);
  return new DelegationLookup({
    metadataDir: mkdtempSync(join(tmpdir(), 'tufci-trust-')),
    metadataBaseUrl: dirUrl(dir),
    fetcher: dirFetcher(),
    snapshot,
    targets: top,
    consistentSnapshot: true,
    now: NOW,
  });
}
