/**
 * The one seam every signing method plugs into: key files, PKCS#11 tokens
 * (YubiKey PIV, SoftHSM2 in tests) and online keys.
 */

/** A public key as TUF metadata holds it (custom fields such as the key owner are added separately). */
export interface TufPublicKey {
  keytype: string;
  scheme: string;
  keyval: { public: string };
}

export interface Signer {
  /** What a person reads in prompts and errors, e.g. "key file /home/a/tuf.pem". */
  readonly description: string;
  /** The public key of this signer, as it would appear in TUF metadata. */
  publicKey(): Promise<TufPublicKey>;
  /** Signs the exact bytes given; returns the TUF `sig` value (hex). */
  sign(data: Uint8Array): Promise<string>;
}

/** An error whose message is meant for the person at the terminal: printed as is, no stack. */
export class UserError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UserError';
  }
}
