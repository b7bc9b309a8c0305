/**
 * The little DER a PKCS#11 signer needs: curve OIDs in CKA_EC_PARAMS, the EC point in
 * CKA_EC_POINT, SubjectPublicKeyInfo for the public key, and ECDSA signatures, which
 * tokens return as raw r‖s while TUF's ecdsa schemes carry DER.
 */

/** An elliptic curve as a token names it in CKA_EC_PARAMS. */
export interface CurveInfo {
  /** What a person reads: "P-256", "secp256k1", or the dotted OID when unknown. */
  name: string;
  /** Dotted OID, or the printable name some tokens put in EC_PARAMS (e.g. "edwards25519"). */
  oid: string;
  /** The TUF scheme and hash when this project can sign with the curve. */
  scheme?: 'ecdsa-sha2-nistp256' | 'ecdsa-sha2-nistp384';
  hash?: 'sha256' | 'sha384';
  /** Field size in bytes (length of one coordinate, and of r and s). */
  size?: number;
}

const KNOWN_CURVES: CurveInfo[] = [
  {
    name: 'P-256',
    oid: '1.2.840.10045.3.1.7',
    scheme: 'ecdsa-sha2-nistp256',
    hash: 'sha256',
    size: 32,
  },
  { name: 'P-384', oid: '1.3.132.0.34', scheme: 'ecdsa-sha2-nistp384', hash: 'sha384', size: 48 },
  { name: 'P-521', oid: '1.3.132.0.35', size: 66 },
  { name: 'secp256k1', oid: '1.3.132.0.10', size: 32 },
  { name: 'brainpoolP256r1', oid: '1.3.36.3.3.2.8.1.1.7', size: 32 },
  { name: 'Ed25519', oid: '1.3.101.112' },
  { name: 'Ed448', oid: '1.3.101.113' },
  { name: 'Ed25519', oid: 'edwards25519' },
];

const ID_EC_PUBLIC_KEY = '1.2.840.10045.2.1';

/** A DER TLV read at `offset`: its tag, the value bytes, and where the next TLV starts. */
interface Tlv {
  tag: number;
  value: Buffer;
  end: number;
}

function readTlv(der: Uint8Array, offset = 0): Tlv {
  const buf = Buffer.from(der.buffer, der.byteOffset, der.byteLength);
  if (offset + 2 > buf.length) throw new Error('DER: truncated');
  const tag = buf[offset]!;
  let len = buf[offset + 1]!;
  let start = offset + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 3 || start + n > buf.length) throw new Error('DER: bad length');
    len = buf.readUIntBE(start, n);
    start += n;
  }
  if (start + len > buf.length) throw new Error('DER: truncated');
  return { tag, value: buf.subarray(start, start + len), end: start + len };
}

function encodeLength(len: number): Buffer {
  if (len < 0x80) return Buffer.from([len]);
  const bytes: number[] = [];
  for (let n = len; n > 0; n >>= 8) bytes.unshift(n & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

function tlv(tag: number, value: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from([tag]), encodeLength(value.length), value]);
}

function decodeOid(value: Buffer): string {
  const ids: number[] = [];
  let id = 0;
  for (const byte of value) {
    id = id * 128 + (byte & 0x7f);
    if (!(byte & 0x80)) {
      ids.push(id);
      id = 0;
    }
  }
  const [first, ...rest] = ids;
  if (first === undefined || id !== 0) throw new Error('DER: bad OID');
  const top = first < 80 ? Math.floor(first / 40) : 2;
  return [top, first - 40 * top, ...rest].join('.');
}

function encodeOid(oid: string): Buffer {
  const arcs = oid.split('.').map(Number);
  const bytes = [40 * arcs[0]! + arcs[1]!];
  for (const arc of arcs.slice(2)) {
    const chunk = [arc & 0x7f];
    for (let n = Math.floor(arc / 128); n > 0; n = Math.floor(n / 128))
      chunk.unshift((n & 0x7f) | 0x80);
    bytes.push(...chunk);
  }
  return tlv(0x06, Buffer.from(bytes));
}

/** Reads CKA_EC_PARAMS: a named-curve OID, or (for some Edwards keys) a printable name. */
export function curveFromEcParams(ecParams: Uint8Array): CurveInfo {
  let oid: string;
  try {
    const { tag, value } = readTlv(ecParams);
    if (tag === 0x06) oid = decodeOid(value);
    else if (tag === 0x13) oid = value.toString('latin1');
    else return { name: 'explicit (not a named curve)', oid: 'explicit' };
  } catch {
    return { name: 'unreadable EC parameters', oid: 'unknown' };
  }
  return KNOWN_CURVES.find((c) => c.oid === oid) ?? { name: oid, oid };
}

/**
 * The uncompressed point from CKA_EC_POINT. PKCS#11 says it is a DER OCTET STRING
 * around the point; some modules return the bare point, which is told apart by length.
 */
export function ecPointFromAttribute(value: Uint8Array, curve: CurveInfo): Buffer {
  const buf = Buffer.from(value);
  const size = curve.size;
  const isBarePoint = (b: Buffer): boolean =>
    b[0] === 0x04 && (size === undefined || b.length === 1 + 2 * size);
  if (buf[0] === 0x04) {
    try {
      const { value: inner, end } = readTlv(buf);
      if (end === buf.length && isBarePoint(inner)) return Buffer.from(inner);
    } catch {
      // not wrapped; fall through
    }
  }
  if (isBarePoint(buf)) return buf;
  throw new Error(`CKA_EC_POINT is not an uncompressed ${curve.name} point`);
}

/** SubjectPublicKeyInfo (PEM) for an EC public key given its curve OID and uncompressed point. */
export function ecSpkiPem(curveOid: string, point: Uint8Array): string {
  const algorithm = tlv(0x30, Buffer.concat([encodeOid(ID_EC_PUBLIC_KEY), encodeOid(curveOid)]));
  const bits = tlv(0x03, Buffer.concat([Buffer.from([0]), point]));
  const der = tlv(0x30, Buffer.concat([algorithm, bits]));
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN PUBLIC KEY-----\n${lines.join('\n')}\n-----END PUBLIC KEY-----\n`;
}

function derInteger(bytes: Uint8Array): Buffer {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  const trimmed = Buffer.from(bytes.subarray(start));
  const value = trimmed[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), trimmed]) : trimmed;
  return tlv(0x02, value);
}

/** Converts a raw r‖s ECDSA signature (as CKM_ECDSA returns it) to DER. */
export function rawEcdsaToDer(raw: Uint8Array): Buffer {
  if (raw.length === 0 || raw.length % 2 !== 0) {
    throw new Error(`ECDSA signature of odd length ${raw.length}; expected r‖s`);
  }
  const half = raw.length / 2;
  return tlv(
    0x30,
    Buffer.concat([derInteger(raw.subarray(0, half)), derInteger(raw.subarray(half))]),
  );
}

/** The inverse of {@link rawEcdsaToDer}: DER ECDSA signature to r‖s of `size`-byte halves. */
export function derEcdsaToRaw(der: Uint8Array, size: number): Buffer {
  const seq = readTlv(der);
  const r = readTlv(seq.value, 0);
  const s = readTlv(seq.value, r.end);
  if (seq.tag !== 0x30 || r.tag !== 0x02 || s.tag !== 0x02)
    throw new Error('DER: not an ECDSA signature');
  const fixed = (v: Buffer): Buffer => {
    const stripped = v.subarray(Math.max(0, v.length - size));
    return Buffer.concat([Buffer.alloc(size - stripped.length), stripped]);
  };
  return Buffer.concat([fixed(r.value), fixed(s.value)]);
}
