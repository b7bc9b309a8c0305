/**
 * Checks on metadata a repository served, made before tuf-js reads it. tuf-js counts a
 * threshold in keyids, so a role listing one key under two keyids would let one key meet a
 * threshold of two; tufci refuses such a file outright, naming the role and both keyids.
 * tuf-js reads an `expires` that is not a date as one that never passes: refused too.
 */
import { NotVerifiedError } from '../errors.js';
import { expiresProblem } from '../tuf/envelope.js';
import { duplicateKey, duplicateKeyMessage } from '../tuf/key-identity.js';
import type { AnySigned } from '../tuf/types.js';

/** Throws NotVerifiedError for served metadata whose role lists one key twice, or that could never expire. */
export function checkServedMetadata(file: string, bytes: Uint8Array): void {
  let signed: unknown;
  try {
    signed = (JSON.parse(Buffer.from(bytes).toString('utf8')) as { signed?: unknown })?.signed;
  } catch {
    return; // not JSON: tuf-js names the problem
  }
  if (!signed || typeof signed !== 'object') return;
  const expiry = expiresProblem(signed);
  if (expiry) throw new NotVerifiedError(`${file}: ${expiry}`);
  const dup = duplicateKey(signed as AnySigned);
  if (dup) throw new NotVerifiedError(`${file}: ${duplicateKeyMessage(dup)}`);
}
