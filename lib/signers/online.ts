import { keyFileSigner, KeyObjectSigner, loadPrivateKey } from './keyfile.js';
import { UserError } from '../errors.js';
import type { Signer } from './signer.js';

export interface OnlineSignerEnv {
  /** The environment (CI secrets arrive here). */
  env: Record<string, string | undefined>;
  /** Extra URI schemes, e.g. `pkcs11:` for a CI-attached HSM. */
  schemes?: Record<string, (uri: string) => Promise<Signer>>;
}

/**
 * The signer behind an `x-tuf-on-ci-online-uri`:
 * - `envvar:NAME`: a PEM private key in environment variable NAME (a CI secret);
 *   an encrypted one takes its passphrase from `NAME_PASSPHRASE`;
 * - `file:PATH`: a PEM key file, passphrase likewise from `TUFCI_ONLINE_KEY_PASSPHRASE`;
 * - other schemes given in `schemes` (PKCS#11).
 */
export async function onlineSigner(uri: string, o: OnlineSignerEnv): Promise<Signer> {
  const colon = uri.indexOf(':');
  const scheme = colon > 0 ? uri.slice(0, colon) : '';
  const rest = uri.slice(colon + 1);
  if (scheme === 'envvar') {
    const pem = o.env[rest];
    if (!pem)
      throw new UserError(`online key: environment variable ${rest} is not set (from ${uri})`);
    const key = loadPrivateKey(
      pem.replace(/\\n/g, '\n'),
      `environment variable ${rest}`,
      o.env[`${rest}_PASSPHRASE`],
    );
    return new KeyObjectSigner(key, `online key from environment variable ${rest}`);
  }
  if (scheme === 'file') {
    return keyFileSigner(rest, async () => o.env.TUFCI_ONLINE_KEY_PASSPHRASE);
  }
  const custom = o.schemes?.[scheme];
  if (custom) return custom(uri);
  throw new UserError(
    `online key URI "${uri}": unsupported scheme (use envvar:NAME, file:PATH or pkcs11:…)`,
  );
}

/** Refuses an online key URI no signer can be made from, before it is written into root. */
export function checkOnlineUri(uri: string, where: string): void {
  if (!/^(envvar:[A-Za-z_][A-Za-z0-9_]*|file:.+|pkcs11:.+)$/.test(uri)) {
    throw new UserError(
      `${where}: "${uri}" is not an online key URI (use envvar:NAME, file:PATH or pkcs11:…)`,
    );
  }
}
