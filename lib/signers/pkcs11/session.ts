/**
 * The PKCS#11 module's lifetime: load, initialize, find the tokens, open a session,
 * log in; and always undo each step in reverse, whatever fails. Nothing is kept open
 * between operations, so a token can be pulled out between two signatures.
 */
import { existsSync } from 'node:fs';
import pkcs11js from 'pkcs11js';
import {
  asSignerError,
  ckrName,
  loginError,
  moduleInitError,
  moduleLoadError,
  noTokenError,
  pinLockedError,
  isYubico,
  pinStatusNote,
  pkcs11ErrorCode,
} from './errors.js';
import { SignerError } from '../../errors.js';

export type Pkcs11 = InstanceType<typeof pkcs11js.PKCS11>;
export type Handle = Buffer;

/** What the PIN callback is told, so a prompt can name the token and warn. */
export interface PinRequest {
  /** Label of the token the PIN is for. */
  token: string;
  /** Set when the token reports few tries left, e.g. "final try: ...". */
  note?: string;
}

/** Supplies the user PIN: the CLI prompts without echo, CI reads its secret. */
export type PinCallback = (request: PinRequest) => Promise<string>;

/** A slot whose token is present and initialized. */
export interface TokenSlot {
  slot: Handle;
  label: string;
  serial: string;
  manufacturer: string;
  model: string;
}

let queue: Promise<unknown> = Promise.resolve();

/**
 * Runs `fn` with the module loaded and initialized, then finalizes and unloads it.
 * Calls are serialized: a module is initialized once per process, so two overlapping
 * operations would otherwise finalize under each other.
 */
export function withModule<T>(modulePath: string, fn: (p: Pkcs11) => Promise<T>): Promise<T> {
  const run = queue.then(() => runWithModule(modulePath, fn));
  queue = run.catch(() => undefined);
  return run;
}

async function runWithModule<T>(modulePath: string, fn: (p: Pkcs11) => Promise<T>): Promise<T> {
  const p = new pkcs11js.PKCS11();
  try {
    p.load(modulePath);
  } catch (err) {
    const detail = err instanceof Error ? err.message.replace(`${modulePath}: `, '') : String(err);
    throw moduleLoadError(modulePath, existsSync(modulePath), detail);
  }
  let initialized = false;
  try {
    try {
      p.C_Initialize();
      initialized = true;
    } catch (err) {
      const code = pkcs11ErrorCode(err) ?? pkcs11js.CKR_GENERAL_ERROR;
      // Someone else in this process initialized it; use it and leave it to them.
      if (code !== pkcs11js.CKR_CRYPTOKI_ALREADY_INITIALIZED)
        throw moduleInitError(modulePath, code);
    }
    return await fn(p);
  } catch (err) {
    throw asSignerError(err, { modulePath });
  } finally {
    if (initialized) ignoreErrors(() => p.C_Finalize());
    ignoreErrors(() => p.close());
  }
}

function ignoreErrors(fn: () => void): void {
  try {
    fn();
  } catch {
    // cleanup must not hide the error that got us here
  }
}

function slotList(p: Pkcs11, modulePath: string, tokenPresent: boolean): Handle[] {
  try {
    return p.C_GetSlotList(tokenPresent);
  } catch (err) {
    throw moduleInitError(modulePath, pkcs11ErrorCode(err) ?? pkcs11js.CKR_GENERAL_ERROR);
  }
}

/** Initialized tokens that are present; a clear UserError when there are none. */
export function presentTokens(p: Pkcs11, modulePath: string): TokenSlot[] {
  const withToken = slotList(p, modulePath, true);
  const present = new Set(withToken.map((s) => s.toString('hex')));
  const readers = slotList(p, modulePath, false)
    .filter((s) => !present.has(s.toString('hex')))
    .map((s) => {
      try {
        return p.C_GetSlotInfo(s).slotDescription.trim();
      } catch {
        return 'unknown reader';
      }
    });
  const tokens: TokenSlot[] = [];
  let blank = 0;
  for (const slot of withToken) {
    let info: ReturnType<Pkcs11['C_GetTokenInfo']>;
    try {
      info = p.C_GetTokenInfo(slot);
    } catch {
      continue; // pulled out while we looked
    }
    if (!(info.flags & pkcs11js.CKF_TOKEN_INITIALIZED)) {
      blank++;
      continue;
    }
    tokens.push({
      slot,
      label: info.label.trim(),
      serial: info.serialNumber.trim(),
      manufacturer: info.manufacturerID.trim(),
      model: info.model.trim(),
    });
  }
  if (tokens.length === 0) throw noTokenError(modulePath, readers, blank);
  return tokens;
}

/** The token's flags now (they carry the PIN retry state), or undefined if unreadable. */
function tokenFlags(p: Pkcs11, token: TokenSlot): number | undefined {
  try {
    return p.C_GetTokenInfo(token.slot).flags;
  } catch {
    return undefined;
  }
}

/** Opens a read-only session on the token, runs `fn`, and closes the session. */
export async function withSession<T>(
  p: Pkcs11,
  token: TokenSlot,
  fn: (session: Handle) => Promise<T>,
): Promise<T> {
  let session: Handle;
  try {
    session = p.C_OpenSession(token.slot, pkcs11js.CKF_SERIAL_SESSION);
  } catch (err) {
    const code = pkcs11ErrorCode(err) ?? pkcs11js.CKR_GENERAL_ERROR;
    throw new SignerError(
      'failed',
      `Cannot open a session with token "${token.label}" (${ckrName(code)}).`,
    );
  }
  try {
    return await fn(session);
  } catch (err) {
    throw asSignerError(err, { token: token.label });
  } finally {
    ignoreErrors(() => p.C_CloseSession(session));
  }
}

/**
 * Logs the user in (asking for the PIN only once the token is known), runs `fn` with
 * the PIN (a key that wants the PIN again for each signature needs it), logs out.
 */
export async function withLogin<T>(
  p: Pkcs11,
  session: Handle,
  token: TokenSlot,
  pin: PinCallback,
  fn: (pin: string) => Promise<T>,
): Promise<T> {
  const before = tokenFlags(p, token) ?? 0;
  if (before & pkcs11js.CKF_USER_PIN_LOCKED) throw pinLockedError(token.label);
  const note = pinStatusNote(before, isYubico(token.manufacturer));
  const value = await pin(note ? { token: token.label, note } : { token: token.label });
  let loggedIn = false;
  try {
    p.C_Login(session, pkcs11js.CKU_USER, value);
    loggedIn = true;
  } catch (err) {
    const code = pkcs11ErrorCode(err) ?? pkcs11js.CKR_GENERAL_ERROR;
    if (code !== pkcs11js.CKR_USER_ALREADY_LOGGED_IN) {
      throw loginError(code, token.label, tokenFlags(p, token), isYubico(token.manufacturer));
    }
  }
  try {
    return await fn(value);
  } finally {
    if (loggedIn) ignoreErrors(() => p.C_Logout(session));
  }
}

/** The PIN again for one operation, for keys with CKA_ALWAYS_AUTHENTICATE (PIV slot 9c). */
export function contextLogin(p: Pkcs11, session: Handle, token: TokenSlot, pin: string): void {
  try {
    p.C_Login(session, pkcs11js.CKU_CONTEXT_SPECIFIC, pin);
  } catch (err) {
    const code = pkcs11ErrorCode(err) ?? pkcs11js.CKR_GENERAL_ERROR;
    throw loginError(code, token.label, tokenFlags(p, token), isYubico(token.manufacturer));
  }
}
