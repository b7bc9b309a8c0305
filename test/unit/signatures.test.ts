/**
 * Signed bytes are the canonical plain JSON and signatures are checked with node:crypto:
 * both must agree with what tuf-js (through @tufjs/models) computes and accepts.
 */
import { createPrivateKey, generateKeyPairSync, sign as cryptoSign } from 'node:crypto';
import { canonicalize } from '@tufjs/canonical-json';
import { Key, Metadata, MetadataKind } from '@tufjs/models';
import { describe, expect, it } from 'vitest';
import { MetadataError } from '../../lib/errors.js';
import { KeyObjectSigner, generateKey, loadPrivateKey } from '../../lib/signers/keyfile.js';
import { parseEnvelope, signedBytes, validSignatures } from '../../lib/tuf/envelope.js';
import { keyId, tufKeyFromPublicPem } from '../../lib/tuf/keys.js';
import type { Envelope, KeyJson } from '../../lib/tuf/types.js';

type JSONObject = Parameters<typeof Key.fromJSON>[1];
const model = (env: Envelope) =>
  Metadata.fromJSON(env.signed._type as MetadataKind.Root, env as unknown as JSONObject);
const hash = { sha256: 'ab'.repeat(32) };
const common = { spec_version: '1.0.31', version: 4, expires: '2030-01-01T00:00:00Z' };
const key = (owner: string): KeyJson => ({
  ...tufKeyFromPublicPem(generateKey('ecdsa').publicPem),
  'x-tuf-on-ci-keyowner': owner,
});

/** Envelopes with the fields a repository holds: custom fields, delegations, succinct roles. */
const samples: Envelope[] = [
  {
    signed: {
      _type: 'root',
      ...common,
      consistent_snapshot: true,
      keys: { k1: key('@a') },
      roles: Object.fromEntries(
        ['root', 'targets', 'snapshot', 'timestamp'].map((r) => [
          r,
          { keyids: ['k1'], threshold: 1, 'x-tuf-on-ci-expiry-period': 30 },
        ]),
      ),
      'x-custom': { nested: [1, 'two'] },
    },
    signatures: [],
  },
  {
    signed: {
      _type: 'targets',
      ...common,
      targets: {
        'a.txt': { length: 1, hashes: hash },
        'dir/b.tgz': { length: 2, hashes: hash, custom: { oci: { digest: 'sha256:00' } } },
      },
      delegations: {
        keys: { k2: key('@b') },
        roles: [
          { name: 'apps', keyids: ['k2'], threshold: 1, terminating: true, paths: ['apps/*'] },
          {
            name: 'bins',
            keyids: ['k2'],
            threshold: 1,
            terminating: false,
            path_hash_prefixes: ['0'],
          },
        ],
      },
      'x-tuf-on-ci-signing-period': 10,
    },
    signatures: [],
  },
  {
    signed: {
      _type: 'targets',
      ...common,
      targets: {},
      delegations: {
        keys: {},
        succinct_roles: { keyids: [], threshold: 1, bit_length: 4, name_prefix: 'bin' },
      },
    },
    signatures: [],
  },
  {
    signed: {
      _type: 'snapshot',
      ...common,
      meta: {
        'targets.json': { version: 3, length: 10, hashes: hash },
        'apps.json': { version: 1 },
      },
    },
    signatures: [],
  },
  {
    signed: { _type: 'timestamp', ...common, meta: { 'snapshot.json': { version: 7 } } },
    signatures: [],
  },
];

describe('signedBytes', () => {
  it.each(samples.map((s) => [s.signed._type, s] as const))(
    '%s: the canonical plain JSON is the canonical model JSON tuf-js verifies',
    (_type, env) => {
      const parsed = parseEnvelope(JSON.stringify(env), 'x.json');
      expect(signedBytes(parsed).toString()).toBe(canonicalize(model(parsed).signed.toJSON()));
    },
  );
});

describe('parseEnvelope refuses what the models would read differently', () => {
  const targets = samples[1]!;
  const parse = (signed: unknown) =>
    parseEnvelope(JSON.stringify({ signed, signatures: [] }), 'metadata/t.json');

  it('a targets role without targets', () => {
    const rest = structuredClone(targets.signed) as unknown as Record<string, unknown>;
    delete rest.targets;
    expect(() => parse(rest)).toThrow('metadata/t.json: field "signed.targets" must be an object');
  });

  it('a role delegated twice', () => {
    const s = structuredClone(targets.signed) as unknown as {
      delegations: { roles: { name: string }[] };
    };
    s.delegations.roles[1]!.name = 'apps';
    expect(() => parse(s)).toThrow(MetadataError);
    expect(() => parse(s)).toThrow(
      'metadata/t.json: field "signed.delegations.roles[1].name": role "apps" is delegated twice',
    );
  });

  it('both roles and succinct_roles', () => {
    const s = structuredClone(targets.signed) as unknown as {
      delegations: Record<string, unknown>;
    };
    s.delegations.succinct_roles = { keyids: [], threshold: 1, bit_length: 1, name_prefix: 'b' };
    expect(() => parse(s)).toThrow('has both "roles" and "succinct_roles"');
  });

  it('gives each caller its own object, also for a text it has seen before', () => {
    const text = JSON.stringify(targets);
    const a = parseEnvelope(text, 'x.json');
    const b = parseEnvelope(text, 'x.json');
    expect(a).not.toBe(b);
    expect(a).toEqual(b);
    // and the memo of valid texts does not skip the type check
    expect(() => parseEnvelope(text, 'x.json', 'root')).toThrow('expected "root"');
  });
});

describe('validSignatures with node:crypto', () => {
  const env = (): Envelope => structuredClone(samples[1]!);

  async function signedBy(kind: 'ecdsa' | 'ed25519') {
    const k = generateKey(kind);
    const signer = new KeyObjectSigner(loadPrivateKey(k.privatePem, 'k'), 'k');
    const id = keyId(k.tufKey);
    const e = env();
    e.signatures = [{ keyid: id, sig: await signer.sign(signedBytes(e)) }];
    return { e, id, keys: { [id]: { ...k.tufKey } } as Record<string, KeyJson> };
  }

  it.each(['ecdsa', 'ed25519'] as const)(
    '%s: agrees with tuf-js on good and bad signatures',
    async (kind) => {
      const { e, id, keys } = await signedBy(kind);
      const tufjs = (x: Envelope) => {
        try {
          Key.fromJSON(id, keys[id] as unknown as JSONObject).verifySignature(model(x));
          return [id];
        } catch {
          return [];
        }
      };
      expect(validSignatures(e, keys, [id])).toEqual([id]);
      expect(tufjs(e)).toEqual([id]);
      const changed = structuredClone(e);
      (changed.signed as { version: number }).version += 1;
      expect(validSignatures(changed, keys, [id])).toEqual([]);
      expect(tufjs(changed)).toEqual([]);
    },
  );

  it('refuses a key whose scheme does not match it, and garbage signatures', async () => {
    const { e, id, keys } = await signedBy('ecdsa');
    expect(
      validSignatures(e, { [id]: { ...keys[id]!, scheme: 'ecdsa-sha2-nistp384' } }, [id]),
    ).toEqual([]);
    expect(
      validSignatures(e, { [id]: { ...keys[id]!, keyval: { public: 'nope' } } }, [id]),
    ).toEqual([]);
    e.signatures = [{ keyid: id, sig: 'zz' }];
    expect(validSignatures(e, keys, [id])).toEqual([]);
  });

  it('checks P-384 over SHA-384, as securesystemslib and the signers here sign', () => {
    const pair = generateKeyPairSync('ec', { namedCurve: 'secp384r1' });
    const pem = pair.publicKey.export({ format: 'pem', type: 'spki' }).toString();
    const tufKey: KeyJson = { ...tufKeyFromPublicPem(pem) };
    const id = keyId(tufKey);
    const e = env();
    const priv = createPrivateKey(pair.privateKey.export({ format: 'pem', type: 'pkcs8' }));
    e.signatures = [{ keyid: id, sig: cryptoSign('sha384', signedBytes(e), priv).toString('hex') }];
    expect(validSignatures(e, { [id]: tufKey }, [id])).toEqual([id]);
    e.signatures = [{ keyid: id, sig: cryptoSign('sha256', signedBytes(e), priv).toString('hex') }];
    expect(validSignatures(e, { [id]: tufKey }, [id])).toEqual([]);
  });
});
