/**
 * What `tufci key list` shows: every token the module sees and the keys on it, with
 * the TUF keyid of each key this project can sign with. Reads public objects only,
 * so it never asks for a PIN.
 */
import { describeKey } from './key-errors.js';
import { tufKeyOf } from './locate.js';
import { listKeys } from './objects.js';
import { presentTokens, withModule, withSession } from './session.js';
import { formatPkcs11Uri } from './uri.js';
import { TufciError } from '../../errors.js';

interface ListedKey {
  label: string;
  /** CKA_ID as hex ("" when none). */
  id: string;
  /** "EC", "RSA", ... */
  keyType: string;
  /** "P-256", "P-384", "secp256k1", ... for EC keys. */
  curve?: string;
  /** Set when the key can sign TUF metadata. */
  scheme?: string;
  keyid?: string;
  /** Why the key cannot be used, when it cannot. */
  problem?: string;
  /** A `pkcs11:` URI selecting this key. */
  uri: string;
}

export interface TokenKeyListing {
  token: string;
  serial: string;
  manufacturer: string;
  model: string;
  keys: ListedKey[];
}

/** Tokens present through `modulePath` and their keys (a UserError when there is no token). */
export async function listTokenKeys(modulePath: string): Promise<TokenKeyListing[]> {
  return withModule(modulePath, async (p) => {
    const listings: TokenKeyListing[] = [];
    for (const token of presentTokens(p, modulePath)) {
      const keys = await withSession(p, token, async (session) => listKeys(p, session));
      listings.push({
        token: token.label,
        serial: token.serial,
        manufacturer: token.manufacturer,
        model: token.model,
        keys: keys.map((key): ListedKey => {
          const listed: ListedKey = {
            label: key.label,
            id: key.id,
            keyType: key.keyType,
            ...(key.curve ? { curve: key.curve.name } : {}),
            uri: formatPkcs11Uri({
              token: token.label,
              ...(key.label === '' ? {} : { object: key.label }),
              ...(key.id === '' ? {} : { id: key.id }),
              modulePath,
            }),
          };
          try {
            const info = tufKeyOf(key, token.label);
            return { ...listed, scheme: info.key.scheme, keyid: info.keyid };
          } catch (err) {
            if (!(err instanceof TufciError)) throw err;
            return { ...listed, problem: err.message };
          }
        }),
      });
    }
    return listings;
  });
}

/** One line per key, for a terminal: `"tuf" (id 01, EC P-256) keyid 1a2b…`. */
export function formatKeyListing(listings: TokenKeyListing[]): string {
  return listings
    .map((t) => {
      const head = `Token "${t.token}" (${[t.manufacturer, t.model, t.serial].filter(Boolean).join(' ')})`;
      const lines = t.keys.map((k) => {
        const { label, id, keyType } = k;
        const name = describeKey({
          label,
          id,
          keyType,
          ...(k.curve ? { curve: { name: k.curve } } : {}),
        });
        return `  ${name} ${k.keyid ? `keyid ${k.keyid}` : `unusable: ${k.problem ?? 'unknown'}`}`;
      });
      return [head, ...(lines.length > 0 ? lines : ['  no keys visible'])].join('\n');
    })
    .join('\n');
}
