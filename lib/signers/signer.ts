/**
 * The one seam every signing method plugs into: key files, PKCS#11 tokens
 * (YubiKey PIV, SoftHSM2 in tests) and online keys.
 */
import type { TufPublicKey } from '../tuf/types.js';

export interface Signer {
  /** What a person reads in prompts and errors, e.g. "key file /home/a/tuf.pem". */
  readonly description: string;
  /** The public key of this signer, as it would appear in TUF metadata. */
  publicKey(): Promise<TufPublicKey>;
  /** Signs the exact bytes given; returns the TUF `sig` value (hex). */
  sign(data: Uint8Array): Promise<string>;
}
