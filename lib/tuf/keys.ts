import { createHash, createPublicKey } from 'node:crypto';
import { canonicalize } from '@tufjs/canonical-json';
import type { TufPublicKey } from './types.js';

/** Key types and schemes this project signs with and accepts in metadata. */
export const SUPPORTED_SCHEMES: Record<string, string[]> = {
  ed25519: ['ed25519'],
  ecdsa: ['ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384'],
  'ecdsa-sha2-nistp256': ['ecdsa-sha2-nistp256'],
  'ecdsa-sha2-nistp384': ['ecdsa-sha2-nistp384'],
  rsa: ['rsassa-pss-sha256'],
};

/**
 * The spec-compliant keyid: hex sha256 of the canonical JSON of the public key
 * (keytype, scheme, keyval). Custom fields such as the key owner are not part of
 * the identity, so renaming an owner never changes a keyid.
 */
export function keyId(key: TufPublicKey): string {
  const canonical = canonicalize({ keytype: key.keytype, scheme: key.scheme, keyval: key.keyval });
  return createHash('sha256').update(canonical).digest('hex');
}

/** Builds the TUF public key for a Node/OpenSSL public key (ed25519, EC P-256/P-384, RSA ≥ 2048 bits). */
export function tufKeyFromPublicPem(pem: string): TufPublicKey {
  const key = createPublicKey(pem);
  if (key.asymmetricKeyType === 'ed25519') {
    const der = key.export({ format: 'der', type: 'spki' });
    return {
      keytype: 'ed25519',
      scheme: 'ed25519',
      keyval: { public: der.subarray(-32).toString('hex') },
    };
  }
  if (key.asymmetricKeyType === 'ec') {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    const scheme =
      curve === 'prime256v1'
        ? 'ecdsa-sha2-nistp256'
        : curve === 'secp384r1'
          ? 'ecdsa-sha2-nistp384'
          : undefined;
    if (!scheme) throw new Error(`unsupported EC curve ${curve ?? 'unknown'}: use P-256 or P-384`);
    const spki = key.export({ format: 'pem', type: 'spki' }).toString();
    return { keytype: 'ecdsa', scheme, keyval: { public: spki } };
  }
  if (key.asymmetricKeyType === 'rsa') {
    const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
    if (bits < 2048) throw new Error(`RSA key of ${bits} bits: use at least 2048`);
    const spki = key.export({ format: 'pem', type: 'spki' }).toString();
    return { keytype: 'rsa', scheme: 'rsassa-pss-sha256', keyval: { public: spki } };
  }
  throw new Error(
    `unsupported key type ${key.asymmetricKeyType ?? 'unknown'}: use ed25519, ECDSA P-256 or RSA`,
  );
}

/** The SPKI PEM of a TUF public key (what `init --online-key` and `--key` read). */
export function publicPemOf(key: TufPublicKey): string {
  if (key.keytype === 'ed25519') {
    const der = Buffer.concat([
      Buffer.from('302a300506032b6570032100', 'hex'),
      Buffer.from(key.keyval.public, 'hex'),
    ]);
    return createPublicKey({ key: der, format: 'der', type: 'spki' })
      .export({ format: 'pem', type: 'spki' })
      .toString();
  }
  return key.keyval.public.endsWith('\n') ? key.keyval.public : `${key.keyval.public}\n`;
}
