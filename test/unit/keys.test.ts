import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { generateKey } from '../../lib/signers/keyfile.js';
import { keyId, tufKeyFromPublicPem } from '../../lib/tuf/keys.js';

const ECDSA_PEM =
  '-----BEGIN PUBLIC KEY-----\n' +
  'MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEgEPCAN4Sl8kn8tPN3C0kPKGmVHnk\n' +
  '3DagpsHiAKUxv4fg+gRp06J0PfmRS5JcahZ8MWzvCppXRwp+pgWOOYvj9w==\n' +
  '-----END PUBLIC KEY-----\n';

describe('keyId', () => {
  // vectors from securesystemslib's compute_default_keyid (python-tuf 5.1)
  it('matches securesystemslib for ed25519 and ECDSA keys', () => {
    const ed = { keytype: 'ed25519', scheme: 'ed25519', keyval: { public: 'ab'.repeat(32) } };
    expect(keyId(ed)).toBe('05584cc3bfabb85de26cb80479f075fa802c97add45fd61feebaa0423da7f57a');
    expect(keyId(tufKeyFromPublicPem(ECDSA_PEM))).toBe(
      '85914565ed32620b1f0369fcd98d650faad46d5eb151085fdde08a0f2ac74977',
    );
  });

  it('is the sha256 of the canonical (sorted, compact) key', () => {
    const key = { scheme: 'ed25519', keyval: { public: '01'.repeat(32) }, keytype: 'ed25519' };
    const canonical = `{"keytype":"ed25519","keyval":{"public":"${'01'.repeat(32)}"},"scheme":"ed25519"}`;
    expect(keyId(key)).toBe(createHash('sha256').update(canonical).digest('hex'));
  });

  it('ignores custom fields such as the key owner', () => {
    const key = tufKeyFromPublicPem(ECDSA_PEM);
    const owned = { ...key, 'x-tuf-on-ci-keyowner': '@alice' };
    expect(keyId(owned)).toBe(keyId(key));
  });
});

describe('tufKeyFromPublicPem', () => {
  it('gives ed25519 keys as raw hex and ECDSA keys as SPKI PEM', () => {
    const ed = generateKey('ed25519');
    expect(ed.tufKey).toMatchObject({ keytype: 'ed25519', scheme: 'ed25519' });
    expect(ed.tufKey.keyval.public).toMatch(/^[0-9a-f]{64}$/);
    const ec = tufKeyFromPublicPem(ECDSA_PEM);
    expect(ec).toEqual({
      keytype: 'ecdsa',
      scheme: 'ecdsa-sha2-nistp256',
      keyval: { public: ECDSA_PEM },
    });
  });

  it('refuses keys it cannot sign with', () => {
    expect(() => tufKeyFromPublicPem('not a key')).toThrow();
  });
});
