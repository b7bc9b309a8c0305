import { createPublicKey, generateKeyPairSync, sign, verify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  curveFromEcParams,
  derEcdsaToRaw,
  ecPointFromAttribute,
  ecSpkiPem,
  rawEcdsaToDer,
} from '../../lib/signers/pkcs11/der.js';

const P256_PARAMS = Buffer.from('06082a8648ce3d030107', 'hex');
const P384_PARAMS = Buffer.from('06052b81040022', 'hex');
const K1_PARAMS = Buffer.from('06052b8104000a', 'hex');

describe('curveFromEcParams', () => {
  it('names the curves a token can hold', () => {
    expect(curveFromEcParams(P256_PARAMS)).toMatchObject({
      name: 'P-256',
      scheme: 'ecdsa-sha2-nistp256',
      hash: 'sha256',
      size: 32,
    });
    expect(curveFromEcParams(P384_PARAMS)).toMatchObject({
      name: 'P-384',
      scheme: 'ecdsa-sha2-nistp384',
      hash: 'sha384',
    });
    const k1 = curveFromEcParams(K1_PARAMS);
    expect(k1.name).toBe('secp256k1');
    expect(k1.scheme).toBeUndefined();
  });

  it('shows an unknown OID dotted, and a printable curve name as is', () => {
    expect(curveFromEcParams(Buffer.from('06032a0304', 'hex')).name).toBe('1.2.3.4');
    expect(curveFromEcParams(Buffer.from('130c656477617264733235353139', 'hex')).name).toBe(
      'Ed25519',
    );
    expect(curveFromEcParams(Buffer.from('ff', 'hex')).scheme).toBeUndefined();
  });
});

describe('EC point and SPKI', () => {
  for (const [namedCurve, params] of [
    ['prime256v1', P256_PARAMS],
    ['secp384r1', P384_PARAMS],
  ] as const) {
    it(`rebuilds Node's own SPKI for ${namedCurve}, from a wrapped or a bare point`, () => {
      const { publicKey } = generateKeyPairSync('ec', { namedCurve });
      const jwk = publicKey.export({ format: 'jwk' });
      const point = Buffer.concat([
        Buffer.from([4]),
        Buffer.from(jwk.x!, 'base64url'),
        Buffer.from(jwk.y!, 'base64url'),
      ]);
      const curve = curveFromEcParams(params);
      const wrapped = Buffer.concat([Buffer.from([0x04, point.length]), point]);
      expect(ecPointFromAttribute(wrapped, curve)).toEqual(point);
      expect(ecPointFromAttribute(point, curve)).toEqual(point);
      const pem = ecSpkiPem(curve.oid, point);
      expect(createPublicKey(pem).export({ format: 'der', type: 'spki' })).toEqual(
        publicKey.export({ format: 'der', type: 'spki' }),
      );
    });
  }

  it('refuses a compressed or truncated point', () => {
    const curve = curveFromEcParams(P256_PARAMS);
    expect(() => ecPointFromAttribute(Buffer.alloc(33, 2), curve)).toThrow(/uncompressed P-256/);
    expect(() => ecPointFromAttribute(Buffer.from([4, 65, 4, 1]), curve)).toThrow();
  });
});

describe('ECDSA signature encoding', () => {
  it('turns raw r‖s into DER that Node verifies, for P-256 and P-384', () => {
    for (const [namedCurve, hash, size] of [
      ['prime256v1', 'sha256', 32],
      ['secp384r1', 'sha384', 48],
    ] as const) {
      const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve });
      for (let i = 0; i < 20; i++) {
        const data = Buffer.from(`message ${i}`);
        const raw = sign(hash, data, { key: privateKey, dsaEncoding: 'ieee-p1363' });
        const der = rawEcdsaToDer(raw);
        expect(verify(hash, data, publicKey, der)).toBe(true);
        expect(derEcdsaToRaw(der, size)).toEqual(raw);
      }
    }
  });

  it('keeps INTEGERs minimal and positive', () => {
    const raw = Buffer.concat([Buffer.alloc(31), Buffer.from([0x01]), Buffer.alloc(32, 0xff)]);
    const der = rawEcdsaToDer(raw);
    // r = 1 (one byte), s = 0x00 ff..ff (33 bytes, sign byte added)
    expect(der.toString('hex')).toBe(`3026020101022100${'ff'.repeat(32)}`);
    expect(() => rawEcdsaToDer(Buffer.alloc(63))).toThrow(/odd length/);
  });
});
