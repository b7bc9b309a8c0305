/** `file:PATH`: a PEM key file; an encrypted one takes TUFCI_ONLINE_KEY_PASSPHRASE. */
import { keyFileSigner } from '../keyfile.js';
import { type OnlineScheme, uriRest } from './types.js';

export const file: OnlineScheme = {
  scheme: 'file',
  describe: 'file:PATH (a PEM private key file)',
  check: (uri) => (uriRest(uri) ? undefined : 'PATH is empty'),
  async signer(uri, o) {
    return keyFileSigner(uriRest(uri), async () => o.env.TUFCI_ONLINE_KEY_PASSPHRASE);
  },
  async publicKey(uri, o) {
    return (await this.signer(uri, o)).publicKey();
  },
};
