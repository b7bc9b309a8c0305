/**
 * Finding the one key an operation uses: which token, which key on it, and its TUF
 * public key. Logs in only when it must (to sign, or when the key is invisible before
 * login), and asks for the PIN only once the token is known.
 */
import { keyId, tufKeyFromPublicPem } from '../../tuf/keys.js';
import { type CurveInfo, ecPointFromAttribute, ecSpkiPem } from './der.js';
import {
  ambiguousKeyError,
  describeKey,
  keyNotFoundError,
  unsupportedKeyError,
} from './key-errors.js';
import { tokenNotFoundError } from './errors.js';
import {
  describeSelector,
  keyMatches,
  type KeySelector,
  listKeys,
  type TokenKey,
} from './objects.js';
import {
  type Handle,
  type PinCallback,
  type Pkcs11,
  presentTokens,
  type TokenSlot,
  withLogin,
  withSession,
} from './session.js';
import { type TufPublicKey } from '../../tuf/types.js';
import { SignerError } from '../../errors.js';

/** A token key's public half in the forms TUF and Node use. */
export interface TufKeyInfo {
  key: TufPublicKey;
  keyid: string;
  spkiPem: string;
  curve: CurveInfo & Required<Pick<CurveInfo, 'scheme' | 'hash' | 'size'>>;
}

type UsableCurve = TufKeyInfo['curve'];

/** The key's curve when this project can sign with it; a SignerError naming its type or curve otherwise. */
function usableCurve(key: TokenKey, token: string): UsableCurve {
  const curve = key.curve;
  if (key.keyType !== 'EC' || !curve?.scheme || !curve.hash || !curve.size) {
    throw unsupportedKeyError(key, token);
  }
  return { ...curve, scheme: curve.scheme, hash: curve.hash, size: curve.size };
}

/** The TUF key of a token key; a SignerError when its type or curve cannot sign TUF metadata. */
export function tufKeyOf(key: TokenKey, token: string): TufKeyInfo {
  const curve = usableCurve(key, token);
  if (!key.ecPoint) {
    throw new SignerError(
      'key',
      `The token "${token}" shows no public key for ${describeKey(key)}, so its TUF key cannot ` +
        `be computed. Import the public key (or certificate) next to the private key.`,
    );
  }
  let spkiPem: string;
  let tufKey: TufPublicKey;
  try {
    spkiPem = ecSpkiPem(curve.oid, ecPointFromAttribute(key.ecPoint, curve));
    tufKey = tufKeyFromPublicPem(spkiPem);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new SignerError(
      'key',
      `The public key of ${describeKey(key)} on token "${token}" is unusable: ${why}.`,
    );
  }
  return { key: tufKey, keyid: keyId(tufKey), spkiPem, curve };
}

/** What an operation gets once its key is found. */
export interface LocatedKey {
  token: TokenSlot;
  session: Handle;
  key: TokenKey;
  /** The PIN, when the operation logged in. */
  pin?: string;
}

export interface LocateOptions {
  modulePath: string;
  /** Token label; undefined means the first token holding a matching key. */
  token?: string;
  selector: KeySelector;
  pin: PinCallback;
  /** Log in and require the private key (to sign). */
  login: boolean;
}

const NOT_HERE = Symbol('not here');

function pick(keys: TokenKey[], selector: KeySelector, token: string): TokenKey | undefined {
  const matches = keys.filter((k) => keyMatches(k, selector));
  if (matches.length > 1) throw ambiguousKeyError(describeSelector(selector), token, matches);
  return matches[0];
}

/** Runs `fn` on the selected key with its session open (and logged in if `login`). */
export async function locateKey<T>(
  p: Pkcs11,
  opts: LocateOptions,
  fn: (located: LocatedKey) => Promise<T>,
): Promise<T> {
  const all = presentTokens(p, opts.modulePath);
  const candidates = opts.token === undefined ? all : all.filter((t) => t.label === opts.token);
  if (candidates.length === 0) {
    throw tokenNotFoundError(
      opts.token ?? '',
      all.map((t) => t.label),
    );
  }
  const searched = describeSelector(opts.selector);
  const seen: { token: string; keys: TokenKey[] }[] = [];

  /** Logs in and finds the key among all the token shows then (private keys included). */
  const loggedIn = (token: TokenSlot, session: Handle): Promise<T> =>
    withLogin(p, session, token, opts.pin, async (pin) => {
      const keys = listKeys(p, session);
      const key = pick(keys, opts.selector, token.label);
      if (!key)
        throw keyNotFoundError(
          searched,
          [{ token: token.label, keys }],
          isPivDefault(opts.selector),
        );
      if (opts.login && !key.privateHandle) {
        throw new SignerError(
          'key',
          `The token "${token.label}" holds the public key ${describeKey(key)} but no private key ` +
            `with the same id, so it cannot sign with it.`,
        );
      }
      return fn({ token, session, key, pin });
    });

  for (const token of candidates) {
    const result = await withSession(p, token, async (session) => {
      const keys = listKeys(p, session);
      seen.push({ token: token.label, keys });
      const key = pick(keys, opts.selector, token.label);
      if (!key) return NOT_HERE;
      usableCurve(key, token.label); // refuse an unusable key before asking for the PIN
      if (opts.login) return loggedIn(token, session);
      return fn({ token, session, key });
    });
    if (result !== NOT_HERE) return result;
  }
  // Nothing visible before login. With one token, log in and look at its private keys.
  const only = candidates.length === 1 ? candidates[0] : undefined;
  if (only) return withSession(p, only, (session) => loggedIn(only, session));
  throw keyNotFoundError(searched, seen, isPivDefault(opts.selector));
}

export function isPivDefault(selector: KeySelector): boolean {
  return selector.label === undefined && selector.id === undefined;
}
