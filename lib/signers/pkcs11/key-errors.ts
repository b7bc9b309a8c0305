/**
 * Messages about keys on a token: the one asked for is not there, is there twice, or
 * is of a type or curve TUF signing here cannot use. Pure functions, unit tested.
 */
import { SignerError } from '../../errors.js';

const quote = (s: string): string => JSON.stringify(s);

/** The part of a token key an error message names. */
export interface KeySummary {
  label: string;
  id: string;
  keyType: string;
  curve?: { name: string };
}

/** `"tuf-p256" (id 01, EC P-256)` */
export function describeKey(key: KeySummary): string {
  const kind = key.keyType === 'EC' && key.curve ? `EC ${key.curve.name}` : key.keyType;
  return `${quote(key.label)} (id ${key.id === '' ? 'none' : key.id}, ${kind})`;
}

/**
 * No key matched. `searched` says what was looked for, `tokens` what each token holds;
 * `pivDefault` adds how a YubiKey gets its slot 9c key.
 */
export function keyNotFoundError(
  searched: string,
  tokens: { token: string; keys: KeySummary[] }[],
  pivDefault: boolean,
): SignerError {
  const where =
    tokens.length === 1 ? `on token ${quote(tokens[0]!.token)}` : 'on any of the tokens present';
  const holdings = tokens.map(({ token, keys }) => {
    const what = keys.length > 0 ? keys.map(describeKey).join(', ') : 'no keys visible';
    return tokens.length === 1 ? `Keys there: ${what}.` : `Token ${quote(token)}: ${what}.`;
  });
  const hint = pivDefault
    ? ' For a YubiKey, generate a P-256 key in PIV slot 9c (ykman piv keys generate -a ECCP256 9c) ' +
      'and a certificate for it, or select another key by label or id.'
    : '';
  return new SignerError('key', `No key ${searched} ${where}. ${holdings.join(' ')}${hint}`);
}

export function ambiguousKeyError(
  searched: string,
  token: string,
  keys: KeySummary[],
): SignerError {
  return new SignerError(
    'key',
    `${keys.length} keys ${searched} on token ${quote(token)}: ${keys.map(describeKey).join(', ')}. ` +
      `Select one by id.`,
  );
}

/** The key is there but this project cannot sign with it: name its type or curve. */
export function unsupportedKeyError(key: KeySummary, token: string): SignerError {
  // Key types are acronyms, read letter by letter: "an RSA key", "a DSA key".
  const article = /^[AEFHILMNORSXu]/.test(key.keyType) ? 'an' : 'a';
  const what =
    key.keyType === 'EC'
      ? `an EC key on curve ${key.curve?.name ?? 'unknown'}`
      : `${article} ${key.keyType} key`;
  return new SignerError(
    'key',
    `The key ${quote(key.label)} (id ${key.id}) on token ${quote(token)} is ${what}; ` +
      `TUF signing with a token needs an EC key on P-256 or P-384.`,
  );
}
