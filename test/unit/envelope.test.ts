import { describe, expect, it } from 'vitest';
import { KeyObjectSigner } from '../../lib/signers/keyfile.js';
import { generateKey, loadPrivateKey } from '../../lib/signers/keyfile.js';
import { MetadataError } from '../../lib/errors.js';
import {
  checkKeyOrder,
  parseEnvelope,
  serialize,
  signedBytes,
  validSignatures,
} from '../../lib/tuf/envelope.js';
import { keyId } from '../../lib/tuf/keys.js';
import type { Envelope, KeyJson, TargetsSigned } from '../../lib/tuf/types.js';

function targetsEnv(targets: TargetsSigned['targets'] = {}): Envelope<TargetsSigned> {
  return {
    signed: {
      _type: 'targets',
      spec_version: '1.0.31',
      version: 3,
      expires: '2030-01-01T00:00:00Z',
      targets,
    },
    signatures: [],
  };
}
const file = { length: 1, hashes: { sha256: 'ab'.repeat(32) } };

describe('parseEnvelope', () => {
  const parse = (v: unknown, type?: string) =>
    parseEnvelope(typeof v === 'string' ? v : JSON.stringify(v), 'metadata/x.json', type);

  it('returns valid metadata as it is', () => {
    const env = targetsEnv({ 'a.txt': file });
    expect(parse(env, 'targets')).toEqual(env);
  });

  it('names the file for malformed JSON', () => {
    expect(() => parse('{"signed":')).toThrow(/^metadata\/x\.json: malformed JSON: /);
  });

  it('names the field for a missing or unexpected type', () => {
    expect(() => parse({ signed: {}, signatures: [] })).toThrow(
      'metadata/x.json: field "signed._type" must be one of root, targets, snapshot, timestamp',
    );
    expect(() => parse(targetsEnv(), 'root')).toThrow(
      'metadata/x.json: field "signed._type" is "targets", expected "root"',
    );
  });

  it('refuses metadata @tufjs/models rejects', () => {
    const env = targetsEnv() as unknown as { signed: Record<string, unknown> };
    delete env.signed.expires;
    expect(() => parse(env)).toThrow(/^metadata\/x\.json: invalid targets metadata: /);
  });

  it('names a key with an unknown type or a scheme that does not fit', () => {
    const withKey = (key: KeyJson) => {
      const env = targetsEnv();
      env.signed.delegations = { keys: { k1: key }, roles: [] };
      return env;
    };
    expect(() =>
      parse(withKey({ keytype: 'dsa', scheme: 'dsa-sha1', keyval: { public: 'x' } })),
    ).toThrow('metadata/x.json: key k1: unknown key type "dsa"');
    expect(() =>
      parse(
        withKey({ keytype: 'ed25519', scheme: 'ecdsa-sha2-nistp256', keyval: { public: 'x' } }),
      ),
    ).toThrow(
      'metadata/x.json: key k1: scheme "ecdsa-sha2-nistp256" does not fit key type "ed25519"',
    );
  });

  it('refuses target paths that escape targets/', () => {
    for (const bad of ['../x', '/abs', 'a/../b'])
      expect(() => parse(targetsEnv({ [bad]: file })), bad).toThrow(
        `metadata/x.json targets: target path "${bad}" escapes targets/`,
      );
  });
});

describe('signedBytes', () => {
  it('is OLPC canonical JSON: sorted keys, raw control characters and non-ASCII', () => {
    const bytes = signedBytes(targetsEnv({ 'ü-\u0001.txt': file })).toString('utf8');
    expect(bytes).toBe(
      `{"_type":"targets","expires":"2030-01-01T00:00:00Z","spec_version":"1.0.31","targets":{"ü-\u0001.txt":{"hashes":{"sha256":"${'ab'.repeat(32)}"},"length":1}},"version":3}`,
    );
  });

  it('refuses names whose UTF-16 and code point order differ', () => {
    const env = targetsEnv({ '\uFF01': file, '😀': file });
    expect(() => signedBytes(env)).toThrow(MetadataError);
    expect(() => signedBytes(env)).toThrow('targets metadata version 3: names "😀" and "！"');
    // either name alone, or astral names together, are fine
    expect(() => signedBytes(targetsEnv({ '😀': file, '😁': file, a: file }))).not.toThrow();
    expect(() => signedBytes(targetsEnv({ '\uFF01': file, a: file }))).not.toThrow();
  });
});

describe('checkKeyOrder', () => {
  it('looks into nested objects and arrays', () => {
    expect(() => checkKeyOrder({ a: [{ b: { '\uFFFF': 1, '𐀀': 2 } }] }, 'where')).toThrow(
      /^where: names /,
    );
    expect(() => checkKeyOrder({ a: [{ b: { x: 1, '𐀀': 2 } }] }, 'where')).not.toThrow();
  });
});

describe('validSignatures', () => {
  it('counts a signature only for the bytes it was made over', async () => {
    const k = generateKey('ecdsa');
    const signer = new KeyObjectSigner(loadPrivateKey(k.privatePem, 'k'), 'k');
    const id = keyId(k.tufKey);
    const keys: Record<string, KeyJson> = { [id]: { ...k.tufKey } };
    const env = targetsEnv({ 'a.txt': file });
    env.signatures = [{ keyid: id, sig: await signer.sign(signedBytes(env)) }];
    expect(validSignatures(env, keys, [id])).toEqual([id]);
    // not a key of the role
    expect(validSignatures(env, keys, [])).toEqual([]);
    // over other bytes
    const other = targetsEnv({ 'b.txt': file });
    env.signatures = [{ keyid: id, sig: await signer.sign(signedBytes(other)) }];
    expect(validSignatures(env, keys, [id])).toEqual([]);
    // an empty placeholder (tuf-on-ci) counts for nothing
    env.signatures = [{ keyid: id, sig: '' }];
    expect(validSignatures(env, keys, [id])).toEqual([]);
  });
});

describe('serialize', () => {
  it('writes 2-space JSON with a trailing newline that parses back', () => {
    const env = targetsEnv({ 'ü-\u0001.txt': file });
    const text = serialize(env);
    expect(text.endsWith('}\n')).toBe(true);
    expect(text).toContain('\n  "signed": {');
    expect(text).toContain('"ü-\\u0001.txt"');
    expect(JSON.parse(text)).toEqual(env);
  });
});
