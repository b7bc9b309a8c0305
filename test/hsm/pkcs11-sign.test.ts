/**
 * Signing through SoftHSM2 as a YubiKey would be used: the signatures must verify in
 * @tufjs/models and in python-tuf, and the keyid must be the spec keyid.
 */
import { createPublicKey, verify } from 'node:crypto';
import { canonicalize } from '@tufjs/canonical-json';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  assertKeyMatches,
  defaultYkcs11ModulePath,
  listTokenKeys,
  type PinRequest,
  Pkcs11Signer,
  pkcs11InviteKey,
  pkcs11SignerFromUri,
  YKCS11_MODULE_PATH_LINUX,
  YKCS11_MODULE_PATH_MACOS,
} from '../../lib/signers/pkcs11/signer.js';
import { formatKeyListing } from '../../lib/signers/pkcs11/list.js';
import { keyId } from '../../lib/tuf/keys.js';
import { createSoftHsm, PIV_9C_KEY, type SoftHsm, STANDARD_KEYS } from '../helpers/softhsm.js';
import { pythonTufVerify, rootTrusting, signDoc, tufJsError } from './tuf-verify.js';

let hsm: SoftHsm;
const pinRequests: PinRequest[] = [];
const pin = async (request: PinRequest): Promise<string> => {
  pinRequests.push(request);
  return hsm.pin;
};

beforeAll(() => {
  hsm = createSoftHsm([
    {
      label: 'yubikey-standin',
      keys: [
        ...STANDARD_KEYS,
        { type: 'EC:prime256v1', label: 'always', id: '06', alwaysAuth: true },
      ],
    },
    { label: 'second', keys: [{ type: 'EC:prime256v1', label: 'only-on-second', id: '11' }] },
  ]);
});
afterAll(() => hsm.cleanup());

async function signAndVerify(signer: Pkcs11Signer) {
  const key = await signer.publicKey();
  const doc = await signDoc(rootTrusting(key), signer);
  return { key, doc, python: pythonTufVerify(doc, hsm.dir), tufjs: tufJsError(doc) };
}

describe('Pkcs11Signer on SoftHSM', () => {
  it('signs with the PIV slot 9c key by default; tuf-js and python-tuf verify', async () => {
    pinRequests.length = 0;
    const notes: string[] = [];
    const signer = new Pkcs11Signer({
      modulePath: hsm.module,
      pin,
      notify: (m) => notes.push(m),
    });
    const { key, doc, python, tufjs } = await signAndVerify(signer);
    expect(key.keytype).toBe('ecdsa');
    expect(key.scheme).toBe('ecdsa-sha2-nistp256');
    expect(createPublicKey(key.keyval.public).asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    expect(doc.signatures[0]!.keyid).toBe(keyId(key));
    expect(tufjs).toBeUndefined();
    expect(python).toEqual({ ok: true, output: 'verified ecdsa-sha2-nistp256' });
    expect(pinRequests).toEqual([{ token: 'yubikey-standin' }]);
    expect(notes).toEqual([
      'Signing with "Private key for Digital Signature" (id 02, EC P-256) on token ' +
        '"yubikey-standin": touch the key if it blinks.',
    ]);
    expect(signer.description).toBe(
      'key "Private key for Digital Signature" (id 02, EC P-256) on PKCS#11 token "yubikey-standin"',
    );
  });

  it('selects by label or by id, and signs the same bytes to different valid DER signatures', async () => {
    const byLabel = new Pkcs11Signer({ modulePath: hsm.module, key: { label: 'tuf-p256' }, pin });
    const byId = new Pkcs11Signer({ modulePath: hsm.module, key: { id: '01' }, pin });
    expect(await byLabel.publicKey()).toEqual(await byId.publicKey());
    const a = await signAndVerify(byLabel);
    const b = await signAndVerify(byId);
    expect(a.doc.signatures[0]!.sig).not.toBe(b.doc.signatures[0]!.sig); // ECDSA is randomized
    expect(a.doc.signatures[0]!.sig).toMatch(/^30[0-9a-f]+$/); // DER SEQUENCE
    expect([a.tufjs, b.tufjs, a.python.ok, b.python.ok]).toEqual([
      undefined,
      undefined,
      true,
      true,
    ]);
  });

  it('signs with P-384 using SHA-384, as python-tuf verifies it', async () => {
    const signer = new Pkcs11Signer({ modulePath: hsm.module, key: { label: 'tuf-p384' }, pin });
    const { key, doc, python, tufjs } = await signAndVerify(signer);
    expect(key.scheme).toBe('ecdsa-sha2-nistp384');
    expect(doc.signatures[0]!.keyid).toBe(keyId(key));
    expect(python).toEqual({ ok: true, output: 'verified ecdsa-sha2-nistp384' });
    const canonical = Buffer.from(canonicalize(doc.signed));
    const sig = Buffer.from(doc.signatures[0]!.sig, 'hex');
    expect(verify('sha384', canonical, key.keyval.public, sig)).toBe(true);
    // Known gap: @tufjs/models 4.1.1 verifies every ecdsa scheme with SHA-256
    // (crypto.verify(undefined, ...)), so it rejects spec-conformant P-384 signatures
    // that python-tuf and go-tuf (since go-tuf#629) accept. If this starts passing,
    // tuf-js was fixed: flip the expectation.
    expect(tufjs).toBe('root was signed by 0/1 keys');
  });

  it('re-enters the PIN for a CKA_ALWAYS_AUTHENTICATE key (PIV PIN policy "always")', async () => {
    pinRequests.length = 0;
    const signer = new Pkcs11Signer({ modulePath: hsm.module, key: { id: '06' }, pin });
    const { tufjs, python } = await signAndVerify(signer);
    expect([tufjs, python.ok]).toEqual([undefined, true]);
    expect(pinRequests).toHaveLength(1); // asked once, given twice
  });

  it('finds the first token holding the key, or uses the token named', async () => {
    const anyToken = new Pkcs11Signer({
      modulePath: hsm.module,
      key: { label: 'only-on-second' },
      pin,
    });
    expect((await anyToken.keyInfo()).token).toBe('second');
    const named = new Pkcs11Signer({
      modulePath: hsm.module,
      token: 'second',
      key: { id: '11' },
      pin,
    });
    expect(await signAndVerify(named)).toMatchObject({ tufjs: undefined, python: { ok: true } });
  });

  it('builds the invite key and an online URI that makes the same signer', async () => {
    const invite = await pkcs11InviteKey({
      modulePath: hsm.module,
      key: { label: 'tuf-p256' },
      pin,
    });
    expect(invite).toMatchObject({ token: 'yubikey-standin', label: 'tuf-p256', id: '01' });
    expect(invite.keyid).toBe(keyId(invite.key));
    expect(invite.uri).toBe(
      `pkcs11:token=yubikey-standin;object=tuf-p256;id=%01?module-path=${hsm.module}`,
    );
    const online = pkcs11SignerFromUri(invite.uri, pin);
    const { key, tufjs, python } = await signAndVerify(online);
    expect(keyId(key)).toBe(invite.keyid);
    expect([tufjs, python.ok]).toEqual([undefined, true]);
  });

  it('passes assertKeyMatches when the key is one root expects', async () => {
    const signer = new Pkcs11Signer({ modulePath: hsm.module, pin });
    const keyid = keyId(await signer.publicKey());
    await expect(assertKeyMatches(signer, ['00'.repeat(32), keyid])).resolves.toBe(keyid);
  });

  it('lists tokens and keys with TUF keyids, without asking a PIN', async () => {
    pinRequests.length = 0;
    const listing = await listTokenKeys(hsm.module);
    expect(listing.map((t) => t.token).sort()).toEqual(['second', 'yubikey-standin']);
    const keys = listing.find((t) => t.token === 'yubikey-standin')!.keys;
    expect(keys.map((k) => k.id)).toEqual(['01', '02', '03', '04', '05', '06']);
    const piv = keys.find((k) => k.id === PIV_9C_KEY.id)!;
    const p256 = await new Pkcs11Signer({ modulePath: hsm.module, pin }).keyInfo();
    expect(piv).toEqual({
      label: 'Private key for Digital Signature',
      id: '02',
      keyType: 'EC',
      curve: 'P-256',
      scheme: 'ecdsa-sha2-nistp256',
      keyid: p256.keyid,
      uri: `pkcs11:token=yubikey-standin;object=Private%20key%20for%20Digital%20Signature;id=%02?module-path=${hsm.module}`,
    });
    expect(keys.find((k) => k.id === '03')).toMatchObject({
      curve: 'P-384',
      scheme: 'ecdsa-sha2-nistp384',
    });
    expect(keys.find((k) => k.id === '04')).toMatchObject({
      curve: 'secp256k1',
      problem: expect.stringMatching(/secp256k1/),
    });
    expect(keys.find((k) => k.id === '05')).toMatchObject({
      keyType: 'RSA',
      problem: expect.stringMatching(/RSA/),
    });
    expect(formatKeyListing(listing)).toContain(`"tuf-p256" (id 01, EC P-256) keyid `);
    expect(pinRequests).toEqual([]);
  });

  it('knows where ykcs11 lives', () => {
    expect(defaultYkcs11ModulePath('linux')).toBe(YKCS11_MODULE_PATH_LINUX);
    expect(defaultYkcs11ModulePath('darwin')).toBe(YKCS11_MODULE_PATH_MACOS);
    expect(YKCS11_MODULE_PATH_LINUX).toBe('/usr/lib/x86_64-linux-gnu/libykcs11.so');
    expect(YKCS11_MODULE_PATH_MACOS).toBe('/usr/local/lib/libykcs11.dylib');
    expect(new Pkcs11Signer({ platform: 'darwin', pin }).modulePath).toBe(YKCS11_MODULE_PATH_MACOS);
  });

  it('serializes concurrent operations on the module', async () => {
    const signers = ['01', '02', '03', '06'].map(
      (id) => new Pkcs11Signer({ modulePath: hsm.module, key: { id }, pin }),
    );
    const sigs = await Promise.all(signers.map((s) => s.sign(Buffer.from('concurrent'))));
    expect(sigs.every((s) => /^30/.test(s))).toBe(true);
  });
});
