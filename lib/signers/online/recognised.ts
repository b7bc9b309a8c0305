/**
 * Schemes tufci understands in metadata but cannot sign with yet: their public keys
 * in root are ordinary TUF keys (a repository using them can be adopted and its
 * offline roles signed), but online signing with them, and writing them into a new
 * root, is refused (by the registry, which names the alternatives) until they can be
 * tested against a real endpoint.
 */
import { InternalError } from '../../errors.js';
import type { OnlineScheme } from './types.js';

export function recognisedOnly(scheme: string, what: string): OnlineScheme {
  return {
    scheme,
    describe: `${scheme}:… (${what})`,
    signs: false,
    check: () => `online signing with ${what} (${scheme}:) is not supported yet`,
    signer: async () => {
      throw new InternalError(`${scheme}: the registry must refuse this scheme before signing`);
    },
  };
}
