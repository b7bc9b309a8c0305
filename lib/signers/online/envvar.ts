/** `envvar:NAME`: a PEM private key in environment variable NAME (a CI secret). */
import { KeyObjectSigner, loadPrivateKey } from '../keyfile.js';
import { UserError } from '../../errors.js';
import { type OnlineScheme, uriRest } from './types.js';

export const envvar: OnlineScheme = {
  scheme: 'envvar',
  describe: 'envvar:NAME (a PEM private key in environment variable NAME, a CI secret)',
  check: (uri) =>
    /^[A-Za-z_][A-Za-z0-9_]*$/.test(uriRest(uri))
      ? undefined
      : 'NAME must be an environment variable name (letters, digits, _)',
  async signer(uri, o) {
    const name = uriRest(uri);
    const pem = o.secret ?? o.env[name];
    if (!pem)
      throw new UserError(`online key: environment variable ${name} is not set (from ${uri})`);
    // An encrypted key takes its passphrase from NAME_PASSPHRASE.
    const key = loadPrivateKey(
      pem.replace(/\\n/g, '\n'),
      `environment variable ${name}`,
      o.env[`${name}_PASSPHRASE`],
    );
    return new KeyObjectSigner(key, `online key from environment variable ${name}`);
  },
  async publicKey(uri, o) {
    return (await this.signer(uri, o)).publicKey();
  },
};
