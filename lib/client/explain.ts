/**
 * The one place a client failure becomes a tufci error. tuf-js and @tufjs/models throw
 * their own classes; each is told apart by `instanceof` (never by its message) and
 * becomes a NotVerifiedError with a hint in plain words. Registry, network and signer
 * errors keep their class, so the CLI's exit code says what failed.
 */
import {
  CryptoError,
  LengthOrHashMismatchError,
  UnsignedMetadataError,
} from '@tufjs/models/dist/error.js';
import {
  BadVersionError,
  DownloadError,
  DownloadHTTPError,
  DownloadLengthMismatchError,
  EqualVersionError,
  ExpiredMetadataError,
  RepositoryError,
} from 'tuf-js/dist/error.js';
import { RepositoryError as ModelRepositoryError } from '@tufjs/models/dist/error.js';
import { NetworkError, NotVerifiedError, TufciError, isTufciError } from '../errors.js';
import { networkCode } from '../util/network.js';

/** Most specific first: subclasses before the classes they extend. */
const HINTS: [new (...args: never[]) => Error, string][] = [
  [ExpiredMetadataError, 'metadata has expired'],
  [EqualVersionError, 'a version went backwards (rollback to older metadata)'],
  [BadVersionError, 'a version went backwards (rollback to older metadata)'],
  [UnsignedMetadataError, 'signatures do not meet the threshold of the trusted keys'],
  [LengthOrHashMismatchError, 'downloaded bytes do not match the signed length or hash'],
  [DownloadLengthMismatchError, 'a file is larger than the signed length allows'],
  [DownloadHTTPError, 'a file the metadata names could not be downloaded'],
  [DownloadError, 'a download failed'],
  [CryptoError, 'a signature could not be checked'],
  [RepositoryError, 'the repository is inconsistent'],
  [ModelRepositoryError, 'the repository is inconsistent'],
];

/** The plain-words hint for a tuf-js error, or undefined for anything else. */
export function tufHint(e: unknown): string | undefined {
  for (const [cls, hint] of HINTS) if (e instanceof cls) return hint;
  return undefined;
}

/**
 * `e`, thrown while a TUF client refreshed metadata or fetched a target of `where`
 * (a repository or target name), as the error to report:
 * - a tufci error that is not about verification (registry, network, signer, usage)
 *   passes unchanged, so a registry 401 still exits as a registry failure;
 * - a NotVerifiedError gets `where` in front;
 * - a connection that could not be made is a NetworkError;
 * - anything else (a tuf-js refusal, or malformed metadata that broke the library)
 *   becomes a NotVerifiedError, its hint chosen by class.
 */
export function verificationError(e: unknown, where: string, note?: string): TufciError {
  const prefix = `${where}: verification failed: ${note ? `${note}; ` : ''}`;
  if (isTufciError(e, 'not-verified'))
    return new NotVerifiedError(`${prefix}${e.message}`, { cause: e });
  if (e instanceof TufciError) return e;
  const message = e instanceof Error ? e.message : String(e);
  const net = networkCode(e);
  if (net)
    return new NetworkError(`${where}: cannot reach the repository (${net}): ${message}`, {
      cause: e,
    });
  const hint = tufHint(e) ?? 'malformed or unexpected metadata';
  return new NotVerifiedError(`${prefix}${hint}: ${message}`, { cause: e });
}
