/**
 * The shape every online key scheme has. A scheme is one file in this folder and one
 * line in the list in `index.ts`.
 */
import type { Signer } from '../signer.js';
import type { TufPublicKey } from '../../tuf/types.js';

/** What an online signer is given from the outside world (lib reads no `process`). */
export interface OnlineEnv {
  /** The environment: CI secrets, PINs, cloud settings (AWS_REGION, AWS_ENDPOINT_URL, …). */
  env: Record<string, string | undefined>;
  /**
   * Private key material handed over directly (the online-sign action's `online-key`
   * input). Schemes that read a key from somewhere (envvar:) use it in its place.
   */
  secret?: string;
  /** Asks for a secret without echo (a PIN); absent on CI. */
  askSecret?: (question: string) => Promise<string>;
  /** Told what is happening, e.g. that a token may want a touch. */
  notify?: (message: string) => void;
  /** `process.platform` of the caller (default module paths). */
  platform?: string;
}

export interface OnlineScheme {
  /** The URI scheme without the colon, e.g. "envvar". */
  readonly scheme: string;
  /** How the URI is written and what it means, for error messages and help. */
  readonly describe: string;
  /** False for schemes recognised in metadata that cannot sign yet (gcpkms:, azurekms:). */
  readonly signs?: false;
  /**
   * Why `uri` (of this scheme) cannot be written into root as an online key, or
   * undefined when it can. Syntax only: nothing is contacted.
   */
  check(uri: string): string | undefined;
  /** The signer the URI names. Heavy modules (native addons, cloud SDKs) load here, lazily. */
  signer(uri: string, env: OnlineEnv): Promise<Signer>;
  /** The public key the URI names, without any secret (for `tufci key public`). */
  publicKey?(uri: string, env: OnlineEnv): Promise<TufPublicKey>;
}

/** The part of an online key URI after `scheme:`. */
export function uriRest(uri: string): string {
  return uri.slice(uri.indexOf(':') + 1);
}
