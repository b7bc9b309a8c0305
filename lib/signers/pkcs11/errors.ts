/**
 * PKCS#11 failures turned into messages for the person holding the token. The
 * mapping functions are pure (codes and flags in, a SignerError with a typed state out) so every message
 * is unit tested without a token that can really lock or time out.
 */
import pkcs11js from 'pkcs11js';
import { SignerError, TufciError, type SignerState } from '../../errors.js';

const CKR_NAMES = new Map<number, string>();
for (const [name, value] of Object.entries(pkcs11js)) {
  if (name.startsWith('CKR_') && typeof value === 'number') CKR_NAMES.set(value, name);
}

/** "CKR_PIN_INCORRECT" for 0xa0; the hex code when the name is unknown. */
export function ckrName(code: number): string {
  return CKR_NAMES.get(code) ?? `0x${code.toString(16).padStart(8, '0')}`;
}

/** The CKR_* code of an error pkcs11js threw, if it carries one. */
export function pkcs11ErrorCode(err: unknown): number | undefined {
  if (err instanceof pkcs11js.Pkcs11Error) return err.code;
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

const quote = (s: string): string => JSON.stringify(s);

const fail = (state: SignerState, message: string): SignerError => new SignerError(state, message);

export function moduleLoadError(modulePath: string, exists: boolean, detail: string): SignerError {
  const what = exists
    ? `Cannot load the PKCS#11 module ${modulePath}: ${detail}.`
    : `The PKCS#11 module ${modulePath} was not found.`;
  return fail(
    'module',
    `${what} For a YubiKey install Yubico's ykcs11 (package ykcs11 or yubico-piv-tool), ` +
      `or set the module path in the configuration to the module of your token.`,
  );
}

export function moduleInitError(modulePath: string, code: number): SignerError {
  return fail(
    'module',
    `The PKCS#11 module ${modulePath} failed to start (${ckrName(code)}). ` +
      `For a YubiKey, check that pcscd is running and the key is inserted.`,
  );
}

/** Whether a token is a YubiKey through ykcs11, whose PIN flags encode exact retry counts. */
export function isYubico(manufacturer: string): boolean {
  return manufacturer.trim().startsWith('Yubico');
}

/**
 * What a token's flags say about its user PIN, or undefined when all is well.
 * PKCS#11 carries no retry count, only flags; ykcs11 sets them from the YubiKey's
 * counter (LOCKED at 0 tries left, FINAL_TRY at 1, COUNT_LOW at 2), so for a YubiKey
 * (`exactCounts`) the note names the number. Elsewhere COUNT_LOW only means that a
 * wrong PIN was entered since the last successful login.
 */
export function pinStatusNote(tokenFlags: number, exactCounts = false): string | undefined {
  if (tokenFlags & pkcs11js.CKF_USER_PIN_LOCKED) return 'the PIN is locked';
  if (tokenFlags & pkcs11js.CKF_USER_PIN_FINAL_TRY) {
    return 'final try: 1 try left, one more wrong PIN locks the PIN';
  }
  if (tokenFlags & pkcs11js.CKF_USER_PIN_COUNT_LOW) {
    return exactCounts
      ? '2 tries left before the PIN locks'
      : 'the token reports wrong PINs since the last login, so few tries may be left';
  }
  return undefined;
}

export function pinLockedError(token: string): SignerError {
  return fail(
    'pin-locked',
    `The PIN of token ${quote(token)} is locked after too many wrong PINs. ` +
      `Unblock it with the PUK (for a YubiKey: ykman piv access unblock-pin), then retry.`,
  );
}

/**
 * A failed C_Login. `tokenFlagsAfter` are the token's flags read after the failure
 * (they carry the PIN retry state), or undefined when they could not be read.
 */
export function loginError(
  code: number,
  token: string,
  tokenFlagsAfter?: number,
  exactCounts = false,
): SignerError {
  const flags = tokenFlagsAfter ?? 0;
  if (code === pkcs11js.CKR_PIN_LOCKED || flags & pkcs11js.CKF_USER_PIN_LOCKED) {
    return pinLockedError(token);
  }
  if (code === pkcs11js.CKR_PIN_INCORRECT) {
    const note = pinStatusNote(flags, exactCounts);
    return fail('pin-incorrect', `Wrong PIN for token ${quote(token)}${note ? ` (${note})` : ''}.`);
  }
  if (code === pkcs11js.CKR_PIN_INVALID || code === pkcs11js.CKR_PIN_LEN_RANGE) {
    return fail(
      'pin-invalid',
      `The token ${quote(token)} rejected the PIN's format or length (${ckrName(code)}); ` +
        `a YubiKey PIV PIN has 6 to 8 characters.`,
    );
  }
  if (code === pkcs11js.CKR_PIN_EXPIRED) {
    return fail(
      'pin-expired',
      `The PIN of token ${quote(token)} has expired: change it, then retry.`,
    );
  }
  if (code === pkcs11js.CKR_DEVICE_REMOVED || code === pkcs11js.CKR_TOKEN_NOT_PRESENT) {
    return fail('token-removed', `The token ${quote(token)} was removed: insert it and retry.`);
  }
  return fail('failed', `Logging in to token ${quote(token)} failed (${ckrName(code)}).`);
}

const TOUCH_CODES = new Set<number>([
  pkcs11js.CKR_FUNCTION_FAILED,
  pkcs11js.CKR_DEVICE_ERROR,
  pkcs11js.CKR_FUNCTION_CANCELED,
  pkcs11js.CKR_CANCEL,
  pkcs11js.CKR_GENERAL_ERROR,
]);

/**
 * A failed C_SignInit / C_Sign. ykcs11 reports a touch that never came (the YubiKey
 * waits about 15 seconds) as CKR_FUNCTION_FAILED or a device error, so those codes
 * ask the person to touch the key and retry.
 */
export function signError(code: number, token: string, key: string): SignerError {
  const what = `Signing with ${key} on token ${quote(token)} failed (${ckrName(code)})`;
  if (code === pkcs11js.CKR_PIN_LOCKED) return pinLockedError(token);
  if (TOUCH_CODES.has(code)) {
    return fail(
      'touch',
      `${what}. If the key requires touch, touch it when it blinks (within about 15 seconds) ` +
        `and retry.`,
    );
  }
  if (code === pkcs11js.CKR_DEVICE_REMOVED || code === pkcs11js.CKR_TOKEN_NOT_PRESENT) {
    return fail('token-removed', `${what}: the token was removed. Insert it and retry.`);
  }
  if (code === pkcs11js.CKR_USER_NOT_LOGGED_IN || code === pkcs11js.CKR_PIN_EXPIRED) {
    return fail('pin-missing', `${what}: the token wants the PIN again for this signature. Retry.`);
  }
  if (
    code === pkcs11js.CKR_KEY_FUNCTION_NOT_PERMITTED ||
    code === pkcs11js.CKR_KEY_TYPE_INCONSISTENT ||
    code === pkcs11js.CKR_MECHANISM_INVALID
  ) {
    return fail('failed', `${what}: this key may not sign with plain ECDSA (CKM_ECDSA).`);
  }
  return fail('failed', `${what}.`);
}

/** No usable token: `readers` are slots without a token, `blank` counts uninitialized tokens. */
export function noTokenError(modulePath: string, readers: string[], blank: number): SignerError {
  if (blank > 0) {
    return fail(
      'token-missing',
      `No usable token found through the PKCS#11 module ${modulePath}: the token present is ` +
        `not initialized. Initialize it, or insert your YubiKey (or token) and retry.`,
    );
  }
  if (readers.length > 0) {
    return fail(
      'token-missing',
      `No token in reader ${readers.map(quote).join(', ')}: insert your YubiKey (or token) and retry.`,
    );
  }
  return fail(
    'token-missing',
    `No token or reader found through the PKCS#11 module ${modulePath}: insert your YubiKey ` +
      `(and check that pcscd is running), then retry.`,
  );
}

export function tokenNotFoundError(wanted: string, present: string[]): SignerError {
  const there = present.length > 0 ? `tokens present: ${present.map(quote).join(', ')}` : 'none';
  return fail('token-missing', `No token labelled ${quote(wanted)}; ${there}.`);
}

/**
 * Any other PKCS#11 failure during an operation on a token, e.g. the token pulled out
 * while its keys were being read. `method` is the PKCS#11 function that failed.
 */
function tokenError(code: number, token: string, method?: string): SignerError {
  const where = method ? `, in ${method}` : '';
  if (
    code === pkcs11js.CKR_DEVICE_REMOVED ||
    code === pkcs11js.CKR_TOKEN_NOT_PRESENT ||
    code === pkcs11js.CKR_SESSION_HANDLE_INVALID ||
    code === pkcs11js.CKR_SESSION_CLOSED
  ) {
    return fail(
      'token-removed',
      `The token ${quote(token)} was removed (${ckrName(code)}): insert it and retry.`,
    );
  }
  return fail('failed', `The token ${quote(token)} failed (${ckrName(code)}${where}).`);
}

/**
 * `err` as a SignerError when it is a PKCS#11 failure of an operation on a token, or of
 * the module itself; other errors are returned unchanged.
 */
export function asSignerError(
  err: unknown,
  where: { token: string } | { modulePath: string },
): unknown {
  if (err instanceof TufciError) return err;
  const code = pkcs11ErrorCode(err);
  if (code === undefined) return err;
  const method = (err as { method?: unknown }).method;
  const fn = typeof method === 'string' ? method : undefined;
  if ('token' in where) return tokenError(code, where.token, fn);
  return fail(
    'module',
    `The PKCS#11 module ${where.modulePath} failed (${ckrName(code)}${fn ? `, in ${fn}` : ''}).`,
  );
}
