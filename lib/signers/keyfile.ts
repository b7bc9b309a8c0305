import {
  constants,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign as cryptoSign,
} from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { keyId, tufKeyFromPublicPem } from '../tuf/keys.js';
import { SignerError } from '../errors.js';
import type { Signer } from './signer.js';
import type { TufPublicKey } from '../tuf/types.js';

export type KeyType = 'ed25519' | 'ecdsa';

export interface GeneratedKey {
  /** Encrypted PKCS#8 PEM (or plain PKCS#8 when no passphrase was given). */
  privatePem: string;
  publicPem: string;
  tufKey: TufPublicKey;
}

/** Generates a key pair; the private key is encrypted (AES-256-CBC, PBKDF2) when a passphrase is given. */
export function generateKey(type: KeyType, passphrase?: string): GeneratedKey {
  const privateKeyEncoding = passphrase
    ? { type: 'pkcs8' as const, format: 'pem' as const, cipher: 'aes-256-cbc', passphrase }
    : { type: 'pkcs8' as const, format: 'pem' as const };
  const publicKeyEncoding = { type: 'spki' as const, format: 'pem' as const };
  const pair =
    type === 'ed25519'
      ? generateKeyPairSync('ed25519', { privateKeyEncoding, publicKeyEncoding })
      : generateKeyPairSync('ec', {
          namedCurve: 'prime256v1',
          privateKeyEncoding,
          publicKeyEncoding,
        });
  return {
    privatePem: pair.privateKey,
    publicPem: pair.publicKey,
    tufKey: tufKeyFromPublicPem(pair.publicKey),
  };
}

/** Parses a private key PEM; names the source and says when the passphrase is wrong. */
export function loadPrivateKey(pem: string, source: string, passphrase?: string): KeyObject {
  const encrypted = pem.includes('ENCRYPTED PRIVATE KEY');
  if (encrypted && !passphrase)
    throw new SignerError(
      'pin-missing',
      `${source}: the key is encrypted and no passphrase was given`,
    );
  try {
    return createPrivateKey(
      encrypted ? { key: pem, format: 'pem', passphrase } : { key: pem, format: 'pem' },
    );
  } catch {
    if (encrypted)
      throw new SignerError(
        'pin-incorrect',
        `${source}: wrong passphrase (could not decrypt the private key)`,
      );
    throw new SignerError(
      'key',
      `${source}: not a PEM private key (PKCS#8 ed25519 or ECDSA P-256 expected)`,
    );
  }
}

/** Signs with an in-memory private key (ed25519, ECDSA P-256/P-384 as DER, RSA-PSS with a 32-byte salt). */
export class KeyObjectSigner implements Signer {
  private readonly tufKey: TufPublicKey;

  constructor(
    private readonly key: KeyObject,
    readonly description: string,
  ) {
    const pub = createPublicKey(key).export({ format: 'pem', type: 'spki' }).toString();
    try {
      this.tufKey = tufKeyFromPublicPem(pub);
    } catch (e) {
      throw new SignerError('key', `${description}: ${(e as Error).message}`);
    }
  }

  async publicKey(): Promise<TufPublicKey> {
    return this.tufKey;
  }

  async sign(data: Uint8Array): Promise<string> {
    const scheme = this.tufKey.scheme;
    const alg =
      scheme === 'ed25519' ? null : scheme === 'ecdsa-sha2-nistp384' ? 'sha384' : 'sha256';
    if (scheme === 'rsassa-pss-sha256') {
      const pss = { key: this.key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 };
      return cryptoSign('sha256', data, pss).toString('hex');
    }
    return cryptoSign(alg, data, { key: this.key, dsaEncoding: 'der' }).toString('hex');
  }
}

/**
 * A key file signer. The passphrase is asked for only when signing needs it, so
 * a run that signs nothing never prompts.
 */
export function keyFileSigner(path: string, passphrase: () => Promise<string | undefined>): Signer {
  let inner: KeyObjectSigner | undefined;
  const pubPath = `${path}.pub`;
  /** The public key beside the key file (`tufci key generate` writes it), read without a passphrase. */
  const sidecar = (): TufPublicKey | undefined => {
    if (!existsSync(pubPath)) return undefined;
    try {
      return tufKeyFromPublicPem(readFileSync(pubPath, 'utf8'));
    } catch (e) {
      throw new SignerError('key', `${pubPath}: not a usable public key: ${(e as Error).message}`);
    }
  };
  const load = async (): Promise<KeyObjectSigner> => {
    if (inner) return inner;
    if (!existsSync(path)) throw new SignerError('key', `${path}: key file not found`);
    const pem = readFileSync(path, 'utf8');
    const pass = pem.includes('ENCRYPTED') ? await passphrase() : undefined;
    const loaded = new KeyObjectSigner(loadPrivateKey(pem, path, pass), `key file ${path}`);
    const expected = sidecar();
    if (expected && keyId(expected) !== keyId(await loaded.publicKey())) {
      throw new SignerError('key', `${pubPath}: does not match the private key in ${path}`);
    }
    inner = loaded;
    return inner;
  };
  return {
    description: `key file ${path}`,
    // With a .pub beside it, the passphrase is asked only when something is signed.
    publicKey: async () => (inner ? inner.publicKey() : (sidecar() ?? (await load()).publicKey())),
    sign: async (data) => (await load()).sign(data),
  };
}
