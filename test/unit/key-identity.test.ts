/**
 * Key identity is the public key material: the same key written differently (a legacy
 * keytype label, PEM without its final newline, extra fields) is one key; a role listing
 * it twice is found in root, in delegated roles and in succinct hash bins; a keyid must be
 * the spec hash or one the known-good state already uses for that key.
 */
import { describe, expect, it } from 'vitest';
import { UserError } from '../../lib/errors.js';
import { generateKey } from '../../lib/signers/keyfile.js';
import { parseEnvelope, serialize } from '../../lib/tuf/envelope.js';
import {
  checkKeyids,
  distinctKeyCount,
  duplicateKey,
  keyMaterial,
  keyidIn,
  keyidsOf,
} from '../../lib/tuf/key-identity.js';
import { keyId } from '../../lib/tuf/keys.js';
import type { AnySigned, Envelope, KeyJson, TargetsSigned } from '../../lib/tuf/types.js';

const key = (type: 'ecdsa' | 'ed25519'): KeyJson => ({ ...generateKey(type).tufKey });
const ec = key('ecdsa');
const ed = key('ed25519');
const other = key('ecdsa');
const legacy = (k: KeyJson): KeyJson => ({
  ...k,
  keytype: k.keytype === 'ecdsa' ? 'ecdsa-sha2-nistp256' : k.keytype,
  keyval: { public: k.keyval.public.trimEnd() },
  keyid_hash_algorithms: ['sha256', 'sha512'],
});

describe('keyMaterial', () => {
  it('is one value for one key however it is written, and differs between keys', () => {
    expect(keyMaterial(legacy(ec))).toBe(keyMaterial(ec));
    expect(keyMaterial(legacy(ed))).toBe(keyMaterial(ed));
    expect(keyMaterial(other)).not.toBe(keyMaterial(ec));
    expect(keyId(legacy(ec))).not.toBe(keyId(ec));
  });

  it('counts distinct keys, matches a signer by material and reuses the listed keyid', () => {
    const keys = { a: ec, b: legacy(ec), c: ed };
    expect(distinctKeyCount(['a', 'b', 'c', 'missing'], keys)).toBe(2);
    expect(keyidsOf(ec, keys, ['b', 'c'])).toEqual(['b']);
    expect(keyidIn({ old: legacy(ec) }, ec)).toBe('old');
    expect(keyidIn({ old: legacy(ec) }, other)).toBe(keyId(other));
  });
});

describe('duplicateKey', () => {
  const targets = (delegations: unknown): AnySigned =>
    ({
      _type: 'targets',
      spec_version: '1.0.31',
      version: 1,
      expires: '2099-01-01T00:00:00Z',
      targets: {},
      delegations,
    }) as AnySigned;

  it('finds one key under two keyids in a delegated role and in succinct bins', () => {
    const keys = { [keyId(ec)]: ec, old: legacy(ec), [keyId(ed)]: ed };
    const role = { name: 'app', threshold: 2, terminating: true, paths: ['app/*'] };
    expect(
      duplicateKey(targets({ keys, roles: [{ ...role, keyids: [keyId(ec), keyId(ed)] }] })),
    ).toBeUndefined();
    expect(
      duplicateKey(targets({ keys, roles: [{ ...role, keyids: [keyId(ed), keyId(ec), 'old'] }] })),
    ).toEqual({ role: 'app', keyids: [keyId(ec), 'old'] });
    expect(
      duplicateKey(
        targets({
          keys,
          succinct_roles: {
            bit_length: 2,
            name_prefix: 'bin',
            threshold: 1,
            keyids: ['old', keyId(ec)],
          },
        }),
      ),
    ).toEqual({ role: 'bin-*', keyids: ['old', keyId(ec)] });
  });

  it('makes parseEnvelope refuse the file, naming it, the role and both keyids', () => {
    const keys = { [keyId(ec)]: ec, old: legacy(ec) };
    const env: Envelope<TargetsSigned> = {
      signatures: [],
      signed: targets({
        keys,
        roles: [
          {
            name: 'app',
            keyids: [keyId(ec), 'old'],
            threshold: 2,
            terminating: true,
            paths: ['a/*'],
          },
        ],
      }) as TargetsSigned,
    };
    expect(() => parseEnvelope(serialize(env), 'metadata/targets.json', 'targets')).toThrow(
      `metadata/targets.json: role "app" lists one key under two keyids, ${keyId(ec)} and old`,
    );
  });

  it('survives malformed served JSON (the client runs it before any validation)', () => {
    for (const signed of [
      { _type: 'root', keys: null, roles: 'x' },
      { _type: 'root', keys: { a: 7 }, roles: { root: { keyids: ['a', 'a'] } } },
      { _type: 'targets', delegations: { keys: [], roles: {} } },
    ])
      expect(duplicateKey(signed as unknown as AnySigned)).toBeUndefined();
  });
});

describe('checkKeyids', () => {
  it('accepts spec keyids and adopted ones, refuses a new key under a chosen keyid', () => {
    const adopted = [{ old: legacy(ec) }];
    expect(() =>
      checkKeyids([{ where: 'root', keys: { old: ec, [keyId(ed)]: ed } }], adopted),
    ).not.toThrow();
    const chosen = () =>
      checkKeyids([{ where: 'metadata/root.json', keys: { old: other } }], adopted);
    expect(chosen).toThrow(UserError);
    expect(chosen).toThrow(
      `metadata/root.json: key old is listed under a keyid that is not its spec keyid (${keyId(other)})`,
    );
  });
});
