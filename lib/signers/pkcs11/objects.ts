/**
 * Key objects on a token, read into plain values. A key is the pair of a public and a
 * private key object sharing a CKA_ID; either may be invisible (private keys usually
 * are until login), so a key is whatever of the pair the session can see.
 */
import pkcs11js from 'pkcs11js';
import { curveFromEcParams, type CurveInfo } from './der.js';
import type { Handle, Pkcs11 } from './session.js';
import { UserError } from '../../errors.js';

/** A key on a token, as much of it as the session sees. */
export interface TokenKey {
  /** The private key's label when visible, else the public key's. */
  label: string;
  /** CKA_ID as lowercase hex ("" when the token gives none). */
  id: string;
  /** "EC", "RSA", "EC_EDWARDS", ... */
  keyType: string;
  curve?: CurveInfo;
  /** CKA_EC_POINT as the token returned it (DER OCTET STRING, or a bare point). */
  ecPoint?: Buffer;
  publicHandle?: Handle;
  privateHandle?: Handle;
  /** The private key wants the PIN again for every signature (CKA_ALWAYS_AUTHENTICATE). */
  alwaysAuthenticate: boolean;
  /** Labels of all objects of the pair, for matching. */
  labels: string[];
}

/** Which key to use: by label, by id (hex), or both. Neither means the PIV default. */
export interface KeySelector {
  label?: string;
  id?: string;
}

/** PIV slot 9c, "Digital Signature": ykcs11 gives it CKA_ID 0x02. */
const PIV_SIGNATURE_KEY_ID = '02';
const PIV_SIGNATURE_KEY_LABEL = 'Private key for Digital Signature';

const KEY_TYPES = new Map<number, string>([
  [pkcs11js.CKK_RSA, 'RSA'],
  [pkcs11js.CKK_DSA, 'DSA'],
  [pkcs11js.CKK_EC, 'EC'],
  [0x40, 'EC_EDWARDS'], // CKK_EC_EDWARDS (PKCS#11 3.0), not in pkcs11js's constants
  [0x41, 'EC_MONTGOMERY'],
  [pkcs11js.CKK_GOSTR3410, 'GOSTR3410'],
]);

function attribute(p: Pkcs11, session: Handle, handle: Handle, type: number): Buffer | undefined {
  try {
    const [result] = p.C_GetAttributeValue(session, handle, [{ type }]);
    return result?.value;
  } catch {
    return undefined; // sensitive or absent on this object
  }
}

function ulong(buf: Buffer | undefined): number | undefined {
  if (!buf || buf.length === 0) return undefined;
  return buf.length >= 8 ? Number(buf.readBigUInt64LE(0)) : buf.readUInt32LE(0);
}

interface RawObject {
  cls: 'public' | 'private';
  handle: Handle;
  label: string;
  id: string;
  keyType: string;
  curve?: CurveInfo;
  ecPoint?: Buffer;
  alwaysAuthenticate: boolean;
}

function findObjects(p: Pkcs11, session: Handle, cls: number): Handle[] {
  p.C_FindObjectsInit(session, [{ type: pkcs11js.CKA_CLASS, value: cls }]);
  try {
    const found: Handle[] = [];
    for (let batch = p.C_FindObjects(session, 64); batch.length > 0;) {
      found.push(...batch);
      batch = p.C_FindObjects(session, 64);
    }
    return found;
  } finally {
    p.C_FindObjectsFinal(session);
  }
}

function readObject(p: Pkcs11, session: Handle, handle: Handle, cls: RawObject['cls']): RawObject {
  const get = (type: number): Buffer | undefined => attribute(p, session, handle, type);
  const typeCode = ulong(get(pkcs11js.CKA_KEY_TYPE));
  const params = get(pkcs11js.CKA_EC_PARAMS);
  const point = get(pkcs11js.CKA_EC_POINT);
  const always = get(pkcs11js.CKA_ALWAYS_AUTHENTICATE);
  return {
    cls,
    handle,
    label: get(pkcs11js.CKA_LABEL)?.toString('utf8') ?? '',
    id: get(pkcs11js.CKA_ID)?.toString('hex') ?? '',
    keyType:
      typeCode === undefined
        ? 'unknown'
        : (KEY_TYPES.get(typeCode) ?? `0x${typeCode.toString(16)}`),
    ...(params && params.length > 0 ? { curve: curveFromEcParams(params) } : {}),
    ...(point && point.length > 0 ? { ecPoint: point } : {}),
    alwaysAuthenticate: cls === 'private' && always !== undefined && always[0] === 1,
  };
}

/** All keys the session can see, public and private objects paired by CKA_ID, in id order. */
export function listKeys(p: Pkcs11, session: Handle): TokenKey[] {
  const objects = [
    ...findObjects(p, session, pkcs11js.CKO_PRIVATE_KEY).map((h) =>
      readObject(p, session, h, 'private'),
    ),
    ...findObjects(p, session, pkcs11js.CKO_PUBLIC_KEY).map((h) =>
      readObject(p, session, h, 'public'),
    ),
  ];
  const keys: TokenKey[] = [];
  for (const o of objects) {
    const pair =
      o.id === ''
        ? undefined
        : keys.find(
            (k) =>
              k.id === o.id &&
              k.keyType === o.keyType &&
              (o.cls === 'private' ? !k.privateHandle : !k.publicHandle),
          );
    const key: TokenKey = pair ?? {
      label: o.label,
      id: o.id,
      keyType: o.keyType,
      alwaysAuthenticate: false,
      labels: [],
    };
    if (!pair) keys.push(key);
    if (o.cls === 'private') {
      key.privateHandle = o.handle;
      key.alwaysAuthenticate = o.alwaysAuthenticate;
      if (o.label !== '') key.label = o.label;
    } else {
      key.publicHandle = o.handle;
      if (o.ecPoint) key.ecPoint = o.ecPoint; // the public object's point wins
    }
    if (!key.ecPoint && o.ecPoint) key.ecPoint = o.ecPoint;
    if (!key.curve && o.curve) key.curve = o.curve;
    if (!key.labels.includes(o.label)) key.labels.push(o.label);
  }
  return keys.sort((a, b) => a.id.localeCompare(b.id) || a.label.localeCompare(b.label));
}

/**
 * Whether `key` is the one `selector` names. A label also matches ykcs11's name for
 * the other half of the pair ("Private key for X" and "Public key for X").
 */
export function keyMatches(key: TokenKey, selector: KeySelector): boolean {
  if (selector.label === undefined && selector.id === undefined) {
    return key.id === PIV_SIGNATURE_KEY_ID;
  }
  if (selector.id !== undefined && key.id !== selector.id.toLowerCase()) return false;
  if (selector.label === undefined) return true;
  const wanted = selector.label;
  const swapped = wanted.startsWith('Private key for ')
    ? `Public key for ${wanted.slice('Private key for '.length)}`
    : wanted;
  return key.labels.includes(wanted) || key.labels.includes(swapped);
}

/** How a person reads a selector in an error: `labelled "tuf" with id 01`. */
export function describeSelector(selector: KeySelector): string {
  if (selector.label === undefined && selector.id === undefined) {
    return `"${PIV_SIGNATURE_KEY_LABEL}" (PIV slot 9c, id ${PIV_SIGNATURE_KEY_ID})`;
  }
  const parts: string[] = [];
  if (selector.label !== undefined) parts.push(`labelled "${selector.label}"`);
  if (selector.id !== undefined) parts.push(`with id ${selector.id.toLowerCase()}`);
  return parts.join(' ');
}

/**
 * A key selector from one config or flag string: "" or "9c" for the PIV default,
 * "id:02" for a CKA_ID in hex, "label:NAME" or any other text for a label.
 */
export function parseKeySelector(text: string | undefined): KeySelector {
  const s = (text ?? '').trim();
  if (s === '' || s.toLowerCase() === '9c') return {};
  if (s.startsWith('id:')) {
    const id = s.slice(3).replace(/^0x/i, '').toLowerCase();
    if (!/^([0-9a-f]{2})+$/.test(id)) {
      throw new UserError(`Key id "${s.slice(3)}" is not hex bytes (e.g. id:02).`);
    }
    return { id };
  }
  return { label: s.startsWith('label:') ? s.slice(6) : s };
}
