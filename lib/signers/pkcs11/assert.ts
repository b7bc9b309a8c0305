/**
 * The check before signing a role: is the signer's key one the role trusts? Without
 * it, a wrong token would produce a signature that silently counts for nothing.
 */
import { keyId } from '../../tuf/keys.js';
import { type Signer } from '../signer.js';
import { SignerError } from '../../errors.js';

const short = (keyid: string): string => `${keyid.slice(0, 8)}…`;

/**
 * Returns the signer's keyid when it is one of `expectedKeyIds`; otherwise a UserError
 * such as: The key "x" (id 02, EC P-256) on PKCS#11 token "T" (keyid 1a2b3c4d…) is not a
 * key of role root; root expects keyids 5e6f7a8b…, 9c0d1e2f….
 */
export async function assertKeyMatches(
  signer: Signer,
  expectedKeyIds: string[],
  role = 'root',
): Promise<string> {
  const keyid = keyId(await signer.publicKey());
  if (expectedKeyIds.includes(keyid)) return keyid;
  const expects =
    expectedKeyIds.length === 0
      ? `${role} has no keys yet`
      : `${role} expects keyid${expectedKeyIds.length > 1 ? 's' : ''} ${expectedKeyIds.map(short).join(', ')}`;
  return Promise.reject(
    new SignerError(
      'key',
      `The ${signer.description} (keyid ${short(keyid)}) is not a key of role ${role}; ${expects}.`,
    ),
  );
}
