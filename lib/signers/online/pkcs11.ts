/**
 * `pkcs11:token=…;object=…;id=…?module-path=…` (RFC 7512): a key on a CI-attached HSM.
 * The PIN comes from TUFCI_ONLINE_PIN, else TUFCI_PIN, else a prompt when there is a
 * terminal; it is kept for the one command. The pkcs11js addon loads only here.
 */
import { parsePkcs11Uri } from '../pkcs11/uri.js';
import { SignerError } from '../../errors.js';
import type { OnlineEnv, OnlineScheme } from './types.js';

const PIN_VARIABLES = ['TUFCI_ONLINE_PIN', 'TUFCI_PIN'];

async function tokenSigner(uri: string, o: OnlineEnv, withPin: boolean) {
  const { pkcs11SignerFromUri } = await import('../pkcs11/signer.js');
  const pins = new Map<string, string>();
  return pkcs11SignerFromUri(
    uri,
    async (r) => {
      if (!withPin)
        throw new SignerError(
          'key',
          `The key ${uri} is not visible on token "${r.token}" without the PIN; ` +
            `import its public key (or certificate) next to it.`,
        );
      const known = pins.get(r.token) ?? PIN_VARIABLES.map((v) => o.env[v]).find((v) => v);
      if (known) return known;
      if (!o.askSecret)
        throw new SignerError(
          'pin-missing',
          `The online key ${uri} is on token "${r.token}", which needs its PIN: set ` +
            `TUFCI_ONLINE_PIN (a CI secret).`,
        );
      const typed = await o.askSecret(
        `PIN for token "${r.token}"${r.note ? ` (${r.note})` : ''}: `,
      );
      if (!typed)
        throw new SignerError(
          'pin-missing',
          `No PIN entered for token "${r.token}"; nothing was signed.`,
        );
      pins.set(r.token, typed);
      return typed;
    },
    { platform: o.platform ?? 'linux', ...(o.notify ? { notify: o.notify } : {}) },
  );
}

export const pkcs11: OnlineScheme = {
  scheme: 'pkcs11',
  describe: 'pkcs11:token=…;object=…?module-path=… (a key on a PKCS#11 token or HSM)',
  check(uri) {
    try {
      parsePkcs11Uri(uri);
      return undefined;
    } catch (e) {
      return (e as Error).message;
    }
  },
  signer: (uri, o) => tokenSigner(uri, o, true),
  publicKey: async (uri, o) => (await tokenSigner(uri, o, false)).publicKey(),
};
