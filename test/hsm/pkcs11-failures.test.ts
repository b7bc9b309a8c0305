/**
 * Every failure a signer meets at the terminal, produced for real on SoftHSM2 where it
 * can be: the message must say what is wrong and what to do, as a SignerError (exit 5).
 *
 * SoftHSM 2.6 never locks a user PIN (the test below proves it after 15 wrong PINs):
 * it only sets CKF_USER_PIN_COUNT_LOW. Locked and final-try are covered through the
 * pure mapping in pkcs11-errors.test.ts with the flags ykcs11 sets.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  assertKeyMatches,
  type PinRequest,
  Pkcs11Signer,
} from '../../lib/signers/pkcs11/signer.js';
import { TufciError, UserError } from '../../lib/errors.js';
import { createSoftHsm, type SoftHsm, STANDARD_KEYS } from '../helpers/softhsm.js';

let hsm: SoftHsm;
let blank: SoftHsm;

beforeAll(() => {
  blank = createSoftHsm(); // no token: SoftHSM shows only its blank slot
  hsm = createSoftHsm([
    {
      label: 'tok',
      keys: [
        ...STANDARD_KEYS,
        { type: 'EC:prime256v1', label: 'twin', id: '21' },
        { type: 'EC:prime256v1', label: 'twin', id: '22' },
      ],
    },
    { label: 'empty' },
  ]);
});
afterAll(() => {
  hsm.cleanup();
  blank.cleanup();
});

async function userError(p: Promise<unknown>): Promise<string> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(TufciError);
  return (err as Error).message;
}

const never = async (): Promise<string> => {
  throw new Error('the PIN must not be asked for');
};
const data = Buffer.from('payload');

describe('PIN', () => {
  it('says the PIN is wrong, with what the token reports, and warns at the next prompt', async () => {
    const asked: PinRequest[] = [];
    const wrong = new Pkcs11Signer({
      modulePath: hsm.module,
      token: 'tok',
      pin: async (r) => (asked.push(r), '000000'),
    });
    expect(await userError(wrong.sign(data))).toBe(
      'Wrong PIN for token "tok" (the token reports wrong PINs since the last login, so few ' +
        'tries may be left).',
    );
    await userError(wrong.sign(data));
    expect(asked).toEqual([
      { token: 'tok' },
      {
        token: 'tok',
        note: 'the token reports wrong PINs since the last login, so few tries may be left',
      },
    ]);
    // the failed attempts left the module usable, and a good PIN clears the warning
    const right = new Pkcs11Signer({ modulePath: hsm.module, pin: async () => hsm.pin });
    expect(await right.sign(data)).toMatch(/^30/);
  });

  it('SoftHSM never locks the PIN, which is why locking is tested through the mapping', async () => {
    const wrong = new Pkcs11Signer({ modulePath: hsm.module, pin: async () => '999999' });
    for (let i = 0; i < 15; i++) {
      expect(await userError(wrong.sign(data))).toMatch(/^Wrong PIN for token "tok"/);
    }
    const right = new Pkcs11Signer({ modulePath: hsm.module, pin: async () => hsm.pin });
    expect(await right.sign(data)).toMatch(/^30/);
  });

  it('lets a cancelled PIN prompt through and cleans up', async () => {
    const cancelled = new Pkcs11Signer({
      modulePath: hsm.module,
      pin: async () => Promise.reject(new UserError('Cancelled.')),
    });
    expect(await userError(cancelled.sign(data))).toBe('Cancelled.');
    const right = new Pkcs11Signer({ modulePath: hsm.module, pin: async () => hsm.pin });
    expect(await right.sign(data)).toMatch(/^30/);
  });
});

describe('module and token', () => {
  it('says the module is missing, or cannot be loaded', async () => {
    const missing = join(hsm.dir, 'libykcs11.so');
    expect(await userError(new Pkcs11Signer({ modulePath: missing, pin: never }).sign(data))).toBe(
      `The PKCS#11 module ${missing} was not found. For a YubiKey install Yubico's ykcs11 ` +
        '(package ykcs11 or yubico-piv-tool), or set the module path in the configuration to ' +
        'the module of your token.',
    );
    const notALibrary = hsm.conf;
    expect(
      await userError(new Pkcs11Signer({ modulePath: notALibrary, pin: never }).publicKey()),
    ).toMatch(new RegExp(`^Cannot load the PKCS#11 module ${notALibrary}: .+\\. For a YubiKey`));
  });

  it('says there is no token', async () => {
    blank.activate();
    try {
      expect(
        await userError(new Pkcs11Signer({ modulePath: blank.module, pin: never }).sign(data)),
      ).toBe(
        `No usable token found through the PKCS#11 module ${blank.module}: the token present is ` +
          'not initialized. Initialize it, or insert your YubiKey (or token) and retry.',
      );
    } finally {
      hsm.activate();
    }
  });

  it('says which token labels exist when the named one does not', async () => {
    const signer = new Pkcs11Signer({ modulePath: hsm.module, token: 'YubiKey', pin: never });
    // tokens are listed in the module's slot order, which SoftHSM derives from serials
    expect(await userError(signer.sign(data))).toMatch(
      /^No token labelled "YubiKey"; tokens present: ("tok", "empty"|"empty", "tok")\.$/,
    );
  });
});

describe('keys', () => {
  it('says which label or id was searched and what is there', async () => {
    const byLabel = new Pkcs11Signer({
      modulePath: hsm.module,
      token: 'tok',
      key: { label: 'nope' },
      pin: async () => hsm.pin,
    });
    const message = await userError(byLabel.sign(data));
    expect(message).toMatch(/^No key labelled "nope" on token "tok"\. Keys there: /);
    for (const listed of [
      '"tuf-p256" (id 01, EC P-256)',
      '"tuf-p384" (id 03, EC P-384)',
      '"tuf-k1" (id 04, EC secp256k1)',
      '"tuf-rsa" (id 05, RSA)',
      '"Private key for Digital Signature" (id 02, EC P-256)',
    ]) {
      expect(message).toContain(listed);
    }
    const byId = new Pkcs11Signer({ modulePath: hsm.module, key: { id: '7f' }, pin: never });
    const noId = await userError(byId.publicKey());
    expect(noId).toMatch(/^No key with id 7f on any of the tokens present\. /);
    expect(noId).toContain(' Token "empty": no keys visible.');
    expect(noId).toContain(
      ' Token "tok": "tuf-p256" (id 01, EC P-256), "Private key for Digital Signature" (id 02, ' +
        'EC P-256), "tuf-p384" (id 03, EC P-384), "tuf-k1" (id 04, EC secp256k1), "tuf-rsa" ' +
        '(id 05, RSA), "twin" (id 21, EC P-256), "twin" (id 22, EC P-256).',
    );
  });

  it('explains the PIV default when the token has no slot 9c key', async () => {
    const signer = new Pkcs11Signer({
      modulePath: hsm.module,
      token: 'empty',
      pin: async () => hsm.pin,
    });
    expect(await userError(signer.sign(data))).toBe(
      'No key "Private key for Digital Signature" (PIV slot 9c, id 02) on token "empty". ' +
        'Keys there: no keys visible. For a YubiKey, generate a P-256 key in PIV slot 9c ' +
        '(ykman piv keys generate -a ECCP256 9c) and a certificate for it, or select another ' +
        'key by label or id.',
    );
  });

  it('refuses a label that matches two keys', async () => {
    const signer = new Pkcs11Signer({ modulePath: hsm.module, key: { label: 'twin' }, pin: never });
    expect(await userError(signer.publicKey())).toBe(
      '2 keys labelled "twin" on token "tok": "twin" (id 21, EC P-256), "twin" (id 22, EC P-256). ' +
        'Select one by id.',
    );
  });

  it('names the curve or key type it cannot sign with', async () => {
    const k1 = new Pkcs11Signer({ modulePath: hsm.module, key: { label: 'tuf-k1' }, pin: never });
    expect(await userError(k1.sign(data))).toBe(
      'The key "tuf-k1" (id 04) on token "tok" is an EC key on curve secp256k1; ' +
        'TUF signing with a token needs an EC key on P-256 or P-384.',
    );
    const rsa = new Pkcs11Signer({ modulePath: hsm.module, key: { id: '05' }, pin: never });
    expect(await userError(rsa.publicKey())).toBe(
      'The key "tuf-rsa" (id 05) on token "tok" is an RSA key; ' +
        'TUF signing with a token needs an EC key on P-256 or P-384.',
    );
  });

  it('says the token key is not a key of root', async () => {
    const signer = new Pkcs11Signer({ modulePath: hsm.module, pin: never });
    const expected = ['1a2b3c4d'.repeat(8), '5e6f7a8b'.repeat(8)];
    const message = await userError(assertKeyMatches(signer, expected));
    const keyid = (await signer.keyInfo()).keyid;
    expect(message).toBe(
      `The key "Private key for Digital Signature" (id 02, EC P-256) on PKCS#11 token "tok" ` +
        `(keyid ${keyid.slice(0, 8)}…) is not a key of role root; root expects keyids ` +
        '1a2b3c4d…, 5e6f7a8b….',
    );
    expect(await userError(assertKeyMatches(signer, [], 'targets'))).toMatch(
      /is not a key of role targets; targets has no keys yet\.$/,
    );
  });
});
