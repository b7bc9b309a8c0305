/**
 * The one error hierarchy of tufci. Every error meant for the person at the terminal
 * carries a stable `code` (what kind of failure) and an optional `cause`; callers
 * (the CLI, the actions) choose exit codes and hints by `code`, never by message text.
 */

export type ErrorCode =
  | 'user'
  | 'usage'
  | 'metadata-invalid'
  | 'not-verified'
  | 'git'
  | 'registry'
  | 'signer'
  | 'network'
  | 'internal';

/** The base of every tufci error: a message for people, a stable code, an optional cause. */
export class TufciError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'TufciError';
    this.code = code;
  }
}

/** A user action that failed (bad input file, missing config, declined question). */
export class UserError extends TufciError {
  constructor(message: string, options?: ErrorOptions) {
    super('user', message, options);
    this.name = 'UserError';
  }
}

/** A command line that cannot be run: unknown or malformed flag or argument. */
export class UsageError extends TufciError {
  constructor(message: string, options?: ErrorOptions) {
    super('usage', message, options);
    this.name = 'UsageError';
  }
}

/** TUF metadata that does not parse or does not follow the rules. */
export class MetadataError extends TufciError {
  constructor(message: string, options?: ErrorOptions) {
    super('metadata-invalid', message, options);
    this.name = 'MetadataError';
  }
}

/** A client refused what it was given: bad signature, digest mismatch, rollback, expiry. */
export class NotVerifiedError extends TufciError {
  constructor(message: string, options?: ErrorOptions) {
    super('not-verified', message, options);
    this.name = 'NotVerifiedError';
  }
}

/** A git operation (fetch, push, branch) failed. */
export class GitError extends TufciError {
  constructor(message: string, options?: ErrorOptions) {
    super('git', message, options);
    this.name = 'GitError';
  }
}

/** The state a signer or token failure is in, so prompts and hints can react to it. */
export type SignerState =
  | 'pin-incorrect'
  | 'pin-invalid'
  | 'pin-locked'
  | 'pin-expired'
  | 'pin-missing'
  | 'token-removed'
  | 'token-missing'
  | 'touch'
  | 'key'
  | 'module'
  | 'failed';

/** A signer (key file, PKCS#11 token, online key) could not sign or log in. */
export class SignerError extends TufciError {
  readonly state: SignerState;

  constructor(state: SignerState, message: string, options?: ErrorOptions) {
    super('signer', message, options);
    this.name = 'SignerError';
    this.state = state;
  }
}

/** A network failure that is not an answer from a registry (refused, reset, DNS, timeout). */
export class NetworkError extends TufciError {
  constructor(message: string, options?: ErrorOptions) {
    super('network', message, options);
    this.name = 'NetworkError';
  }
}

/** A bug: a state the code believed impossible. */
export class InternalError extends TufciError {
  constructor(message: string, options?: ErrorOptions) {
    super('internal', message, options);
    this.name = 'InternalError';
  }
}

/** Whether `e` is a tufci error, optionally of one code. */
export function isTufciError(e: unknown, code?: ErrorCode): e is TufciError {
  return e instanceof TufciError && (code === undefined || e.code === code);
}

/**
 * Runs `work`; a tufci error it throws gets `what: ` in front of its message and is
 * rethrown as itself (same class, code and cause). Other errors pass unchanged.
 */
export async function withContext<T>(what: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (e) {
    if (e instanceof TufciError) e.message = `${what}: ${e.message}`;
    throw e;
  }
}
