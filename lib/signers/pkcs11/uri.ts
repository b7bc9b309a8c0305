/**
 * PKCS#11 URIs (RFC 7512), the subset an online key's `x-tuf-on-ci-online-uri` needs:
 *
 *   pkcs11:token=CI%20signer;object=tuf-online;id=%01?module-path=/usr/lib/softhsm/libsofthsm2.so
 *
 * Path attributes: token (label), object (key label), id (CKA_ID bytes, percent-encoded),
 * type (private or public; the key pair is looked up either way). Query attribute:
 * module-path. Anything else is refused rather than ignored, since an attribute we do
 * not understand could select a different key; and a PIN never belongs in the URI.
 */
import { UserError } from '../../errors.js';

export interface Pkcs11Uri {
  /** Token label (CKA_LABEL of the token, without padding). */
  token?: string;
  /** Key label (CKA_LABEL of the key object). */
  object?: string;
  /** Key id (CKA_ID) as lowercase hex. */
  id?: string;
  type?: 'private' | 'public';
  /** Path of the PKCS#11 module to load. */
  modulePath?: string;
}

const PATH_ATTRIBUTES = ['token', 'object', 'id', 'type'] as const;
const QUERY_ATTRIBUTES = ['module-path'] as const;
const UNRESERVED = /[A-Za-z0-9\-._~]/;

function percentDecode(value: string, fail: (problem: string) => never): Buffer {
  const bytes: number[] = [];
  for (let i = 0; i < value.length; i++) {
    const ch = value[i]!;
    if (ch === '%') {
      const hex = value.slice(i + 1, i + 3);
      if (!/^[0-9A-Fa-f]{2}$/.test(hex)) fail(`bad percent-encoding near "${value.slice(i)}"`);
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(ch, 'utf8'));
    }
  }
  return Buffer.from(bytes);
}

function utf8(bytes: Buffer, fail: (problem: string) => never): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return fail('a value is not valid UTF-8');
  }
}

function attributes(
  part: string,
  separator: string,
  fail: (p: string) => never,
): [string, string][] {
  if (part === '') return [];
  const seen = new Set<string>();
  return part.split(separator).map((pair) => {
    const eq = pair.indexOf('=');
    if (eq <= 0) fail(`expected name=value, got "${pair}"`);
    const name = pair.slice(0, eq).toLowerCase();
    if (seen.has(name)) fail(`attribute "${name}" appears twice`);
    seen.add(name);
    return [name, pair.slice(eq + 1)];
  });
}

/** Parses a `pkcs11:` URI; throws a UserError that says what is wrong. */
export function parsePkcs11Uri(uri: string): Pkcs11Uri {
  const fail = (problem: string): never => {
    throw new UserError(`Invalid PKCS#11 URI ${JSON.stringify(uri)}: ${problem}.`);
  };
  if (!/^pkcs11:/i.test(uri)) fail('it must start with "pkcs11:"');
  const rest = uri.slice('pkcs11:'.length);
  const q = rest.indexOf('?');
  const path = q === -1 ? rest : rest.slice(0, q);
  const query = q === -1 ? '' : rest.slice(q + 1);
  const result: Pkcs11Uri = {};

  for (const [name, raw] of attributes(path, ';', fail)) {
    const bytes = percentDecode(raw, fail);
    if (name === 'token') result.token = utf8(bytes, fail);
    else if (name === 'object') result.object = utf8(bytes, fail);
    else if (name === 'id') {
      if (bytes.length === 0) fail('id is empty');
      result.id = bytes.toString('hex');
    } else if (name === 'type') {
      const type = utf8(bytes, fail);
      if (type !== 'private' && type !== 'public')
        fail(`type must be private or public, not "${type}"`);
      result.type = type as 'private' | 'public';
    } else {
      fail(`path attribute "${name}" is not supported (use ${PATH_ATTRIBUTES.join(', ')})`);
    }
  }
  for (const [name, raw] of attributes(query, '&', fail)) {
    if (name === 'pin-value' || name === 'pin-source') {
      fail(`"${name}" is refused: the PIN is never part of the URI, it is asked for or configured`);
    }
    if (name !== 'module-path') {
      fail(`query attribute "${name}" is not supported (use ${QUERY_ATTRIBUTES.join(', ')})`);
    }
    result.modulePath = utf8(percentDecode(raw, fail), fail);
    if (result.modulePath === '') fail('module-path is empty');
  }
  return result;
}

const pct = (bytes: Uint8Array): string =>
  [...bytes].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join('');

function encode(text: string, keep: RegExp = UNRESERVED): string {
  return [...text].map((ch) => (keep.test(ch) ? ch : pct(Buffer.from(ch, 'utf8')))).join('');
}

/** The URI for a key; `parsePkcs11Uri(formatPkcs11Uri(u))` gives `u` back. */
export function formatPkcs11Uri(u: Pkcs11Uri): string {
  const path: string[] = [];
  if (u.token !== undefined) path.push(`token=${encode(u.token)}`);
  if (u.object !== undefined) path.push(`object=${encode(u.object)}`);
  if (u.id !== undefined) path.push(`id=${pct(Buffer.from(u.id, 'hex'))}`);
  if (u.type !== undefined) path.push(`type=${u.type}`);
  const query =
    u.modulePath !== undefined ? `?module-path=${encode(u.modulePath, /[A-Za-z0-9\-._~/]/)}` : '';
  return `pkcs11:${path.join(';')}${query}`;
}
