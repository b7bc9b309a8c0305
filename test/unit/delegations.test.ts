/**
 * tufci's own delegation lookup (lib/client/delegations.ts) over a directory of signed
 * metadata: a diamond where the second delegator's keys never signed the role is refused
 * on the second path (cached or not); a diamond where both delegators trust the same keys
 * (a projects layout mid-promotion) verifies through both; succinct hash bins resolve;
 * one key listed under two keyids does not meet a threshold of 2.
 */
import { createHash, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { canonicalize } from '@tufjs/canonical-json';
import { Metadata, MetadataKind, Signature, type Targets } from '@tufjs/models';
import { describe, expect, it } from 'vitest';
import { DelegationLookup } from '../../lib/client/delegations.js';
import { dirFetcher, dirUrl } from '../../lib/client/fetchers.js';
import { NotVerifiedError } from '../../lib/errors.js';
import { lookup as lookupOf, newKey as key, role as signedRole } from '../helpers/signed-roles.js';

const NOW = new Date('2026-01-01T00:00:00Z');
const EXPIRES = '2030-01-01T00:00:00Z';

interface TestKey {
  keyid: string;
  json: { keytype: string; scheme: string; keyval: { public: string } };
  priv: KeyObject;
}

function newKey(): TestKey {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const raw = publicKey.export({ format: 'der', type: 'spki' }).subarray(-32).toString('hex');
  const json = { keytype: 'ed25519', scheme: 'ed25519', keyval: { public: raw } };
  const keyid = createHash('sha256').update(canonicalize(json)).digest('hex');
  return { keyid, json, priv: privateKey };
}

type Rule = { name: string; keys: TestKey[]; paths: string[]; threshold?: number };

/** A signed targets role: `targets` and plain delegations `rules`, or succinct bins. */
function role(
  signers: { key: TestKey; keyid?: string }[],
  o: { targets?: string[]; rules?: Rule[]; succinct?: { key: TestKey; bits: number } } = {},
): Metadata<Targets> {
  const keys: Record<string, unknown> = {};
  const delegations: Record<string, unknown> | undefined =
    o.rules || o.succinct ? { keys } : undefined;
  if (o.rules) {
    delegations!.roles = o.rules.map((r) => {
      for (const k of r.keys) keys[k.keyid] = k.json;
      return {
        name: r.name,
        keyids: r.keys.map((k) => k.keyid),
        threshold: r.threshold ?? 1,
        paths: r.paths,
        terminating: false,
      };
    });
  }
  if (o.succinct) {
    keys[o.succinct.key.keyid] = o.succinct.key.json;
    delegations!.succinct_roles = {
      keyids: [o.succinct.key.keyid],
      threshold: 1,
      bit_length: o.succinct.bits,
      name_prefix: 'bin',
    };
  }
  const targets: Record<string, unknown> = {};
  for (const t of o.targets ?? []) targets[t] = { length: 1, hashes: { sha256: '00'.repeat(32) } };
  const md = Metadata.fromJSON(MetadataKind.Targets, {
    signed: {
      _type: 'targets',
      spec_version: '1.0.31',
      version: 1,
      expires: EXPIRES,
      targets,
      ...(delegations ? { delegations } : {}),
    },
    signatures: [],
  } as never);
  for (const s of signers)
    md.sign(
      (data) =>
        new Signature({
          keyID: s.keyid ?? s.key.keyid,
          sig: sign(null, data, s.key.priv).toString('hex'),
        }),
    );
  return md;
}

/** Publishes `roles` as `1.<role>.json` and returns a lookup over them. */
function lookup(
  top: Metadata<Targets>,
  roles: Record<string, Metadata<Targets>>,
): DelegationLookup {
  const dir = mkdtempSync(join(tmpdir(), 'tufci-deleg-'));
  const meta: Record<string, { version: number }> = { 'targets.json': { version: 1 } };
  for (const [name, md] of Object.entries(roles)) {
    writeFileSync(join(dir, `1.${encodeURIComponent(name)}.json`), JSON.stringify(md.toJSON()));
    meta[`${name}.json`] = { version: 1 };
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

describe('delegation lookup', () => {
  const [top, a, b, ra, rb] = [newKey(), newKey(), newKey(), newKey(), newKey()];
  const parents = role([{ key: top }], {
    rules: [
      { name: 'parent-a', keys: [a], paths: ['team-a/*'] },
      { name: 'parent-b', keys: [b], paths: ['team-b/*'] },
    ],
  });

  it('verifies a cached role against the delegator of the current path (diamond)', async () => {
    const l = lookup(parents, {
      'parent-a': role([{ key: a }], {
        rules: [{ name: 'release', keys: [ra], paths: ['team-a/*'] }],
      }),
      'parent-b': role([{ key: b }], {
        rules: [{ name: 'release', keys: [rb], paths: ['team-b/*'] }],
      }),
      release: role([{ key: ra }], { targets: ['team-a/x', 'team-b/x'] }),
    });
    expect((await l.find('team-a/x'))?.path).toBe('team-a/x');
    const second = l.find('team-b/x');
    await expect(second).rejects.toBeInstanceOf(NotVerifiedError);
    await expect(second).rejects.toThrow(/release\.json: .*parent-b trusts/);
  });

  it('keeps verifying a diamond whose delegators trust the same key (a promotion)', async () => {
    const l = lookup(parents, {
      'parent-a': role([{ key: a }], {
        rules: [{ name: 'proj', keys: [ra], paths: ['team-a/*'] }],
      }),
      'parent-b': role([{ key: b }], {
        rules: [{ name: 'proj', keys: [ra], paths: ['team-b/*'] }],
      }),
      proj: role([{ key: ra }], { targets: ['team-a/x', 'team-b/x'] }),
    });
    expect((await l.find('team-a/x'))?.path).toBe('team-a/x');
    expect((await l.find('team-b/x'))?.path).toBe('team-b/x');
    expect(await l.find('team-c/x')).toBeUndefined();
  });

  it('resolves succinct hash bins', async () => {
    const binKey = newKey();
    const bins: Record<string, Metadata<Targets>> = {};
    // bit_length 1: bin-0 and bin-1; the target's bin is the first bit of sha256(path)
    const path = 'pkg/tool.tgz';
    const first = createHash('sha256').update(path).digest()[0]! >> 7;
    for (const n of [0, 1])
      bins[`bin-${n}`] = role([{ key: binKey }], { targets: n === first ? [path] : [] });
    const l = lookup(role([{ key: top }], { succinct: { key: binKey, bits: 1 } }), bins);
    expect((await l.find(path))?.path).toBe(path);
    expect(await l.find('pkg/other')).toBeUndefined();
  });

  it('counts distinct keys: one key under two keyids does not meet a threshold of 2', async () => {
    const twin = { ...ra, keyid: 'f'.repeat(64) };
    const l = lookup(
      role([{ key: top }], {
        rules: [{ name: 'r', keys: [ra, twin], paths: ['*'], threshold: 2 }],
      }),
      { r: role([{ key: ra }, { key: ra, keyid: twin.keyid }], { targets: ['x'] }) },
    );
    await expect(l.find('x')).rejects.toThrow(/r\.json: signed by 1 distinct key/);
  });
});

describe('DelegationLookup.findWhere: the role an import takes from a verification', () => {
  it('names the delegated role that lists the target, its delegator and its verified bytes', async () => {
    const top = key();
    const owner = key();
    const listed = { length: 10, sha256: 'cd'.repeat(32) };
    const text = JSON.stringify(
      signedRole([owner], { targets: { 'apps/web:v1': listed }, version: 4 }).toJSON(),
      null,
      1,
    );
    const targets = signedRole([top], {
      rules: [{ name: 'apps', keys: [owner], paths: ['apps/*'], threshold: 1 }],
    });
    const l = lookupOf(targets, { apps: text });
    const found = await l.findWhere('apps/web:v1');
    expect(found?.role).toBe('apps');
    expect(found?.delegator?.name).toBe('targets');
    // the bytes as served, not a re-serialisation: an import keeps them as they are
    expect(Buffer.from(found!.bytes!).toString('utf8')).toBe(text);
    expect(found?.info.length).toBe(10);
    expect(l.loadedRole('apps')?.signed.version).toBe(4);
    const none = await l.findWhere('apps/other');
    expect(none).toBeUndefined();
  });
});
