import { createPublicKey, constants, verify } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import type { KeyJson } from './types.js';

/** The digest each scheme signs over (null: the key type decides, as for ed25519). */
const DIGEST: Record<string, string | null> = {
  ed25519: null,
  'ecdsa-sha2-nistp256': 'sha256',
  'ecdsa-sha2-nistp384': 'sha384',
  'rsassa-pss-sha256': 'sha256',
};

const KIND: Record<string, string> = {
  ed25519: 'ed25519',
  'ecdsa-sha2-nistp256': 'ec',
  'ecdsa-sha2-nistp384': 'ec',
  'rsassa-pss-sha256': 'rsa',
};
const CURVE: Record<string, string> = {
  'ecdsa-sha2-nistp256': 'prime256v1',
  'ecdsa-sha2-nistp384': 'secp384r1',
};

// ASN.1 SubjectPublicKeyInfo prefix of a raw 32-byte ed25519 public key
const ED25519_SPKI = Buffer.from('302a300506032b6570032100', 'hex');
const HEX = /^(?:[0-9a-f]{2})+$/i;
const cache = new Map<string, KeyObject | null>();

/** The Node key object of a TUF public key (PEM SPKI or ed25519 hex), null when unusable. */
export function publicKeyOf(key: Pick<KeyJson, 'keytype' | 'keyval'>): KeyObject | null {
  const pub = key.keyval?.public;
  if (typeof pub !== 'string') return null;
  const id = `${key.keytype}\0${pub}`;
  let k = cache.get(id);
  if (k !== undefined) return k;
  try {
    if (pub.startsWith('-----BEGIN PUBLIC KEY-----')) k = createPublicKey(pub);
    else if (key.keytype === 'ed25519' && pub.length === 64 && HEX.test(pub))
      k = createPublicKey({
        key: Buffer.concat([ED25519_SPKI, Buffer.from(pub, 'hex')]),
        format: 'der',
        type: 'spki',
      });
    else k = null;
  } catch {
    k = null;
  }
  if (cache.size > 1024) cache.clear();
  cache.set(id, k);
  return k;
}

/**
 * Whether `sig` (hex) is `key`'s signature over `bytes` under the key's scheme: ed25519,
 * ECDSA P-256 / P-384 (DER, SHA-256 / SHA-384 as securesystemslib signs), RSA-PSS SHA-256.
 */
export function verifyWith(key: KeyJson, bytes: Uint8Array, sig: string): boolean {
  const digest = DIGEST[key.scheme];
  const pub = publicKeyOf(key);
  if (digest === undefined || !pub || !HEX.test(sig)) return false;
  const kind = pub.asymmetricKeyType;
  if (kind !== KIND[key.scheme]) return false;
  if (kind === 'ec' && pub.asymmetricKeyDetails?.namedCurve !== CURVE[key.scheme]) return false;
  try {
    const k =
      kind === 'rsa'
        ? {
            key: pub,
            padding: constants.RSA_PKCS1_PSS_PADDING,
            saltLength: constants.RSA_PSS_SALTLEN_AUTO,
          }
        : pub;
    return verify(digest, bytes, k, Buffer.from(sig, 'hex'));
  } catch {
    return false;
  }
}
