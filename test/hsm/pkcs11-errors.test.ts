/**
 * The error mapping as pure functions: codes and token flags in, messages out. This is
 * where the states SoftHSM cannot reach are covered: SoftHSM never locks a PIN and
 * never sets FINAL_TRY (see pkcs11-failures.test.ts), and a touch timeout needs a
 * YubiKey, so these messages are checked with the codes and flags ykcs11 reports.
 */
import pkcs11js from 'pkcs11js';
import { describe, expect, it } from 'vitest';
import {
  asSignerError,
  ckrName,
  loginError,
  moduleLoadError,
  noTokenError,
  pinStatusNote,
  pkcs11ErrorCode,
  signError,
  tokenNotFoundError,
} from '../../lib/signers/pkcs11/errors.js';
import { keyNotFoundError, unsupportedKeyError } from '../../lib/signers/pkcs11/key-errors.js';
import { SignerError } from '../../lib/errors.js';

const {
  CKF_USER_PIN_COUNT_LOW,
  CKF_USER_PIN_FINAL_TRY,
  CKF_USER_PIN_LOCKED,
  CKR_CANCEL,
  CKR_DEVICE_ERROR,
  CKR_DEVICE_REMOVED,
  CKR_FUNCTION_CANCELED,
  CKR_FUNCTION_FAILED,
  CKR_GENERAL_ERROR,
  CKR_KEY_FUNCTION_NOT_PERMITTED,
  CKR_PIN_EXPIRED,
  CKR_PIN_INCORRECT,
  CKR_PIN_LEN_RANGE,
  CKR_PIN_LOCKED,
  CKR_USER_NOT_LOGGED_IN,
} = pkcs11js;

describe('codes', () => {
  it('names CKR codes and reads them off pkcs11js errors', () => {
    expect(ckrName(CKR_PIN_INCORRECT)).toBe('CKR_PIN_INCORRECT');
    expect(ckrName(0x12345)).toBe('0x00012345');
    expect(pkcs11ErrorCode(new pkcs11js.Pkcs11Error('CKR_PIN_LOCKED', CKR_PIN_LOCKED))).toBe(
      CKR_PIN_LOCKED,
    );
    expect(pkcs11ErrorCode(new Error('plain'))).toBeUndefined();
  });
});

describe('PIN errors', () => {
  it('says wrong PIN, with what the token reports about tries left', () => {
    expect(loginError(CKR_PIN_INCORRECT, 'YubiKey PIV #1', 0).message).toBe(
      'Wrong PIN for token "YubiKey PIV #1".',
    );
    // ykcs11 sets FINAL_TRY at 1 try left and COUNT_LOW at 2.
    expect(loginError(CKR_PIN_INCORRECT, 'Y', CKF_USER_PIN_FINAL_TRY, true).message).toBe(
      'Wrong PIN for token "Y" (final try: 1 try left, one more wrong PIN locks the PIN).',
    );
    expect(loginError(CKR_PIN_INCORRECT, 'Y', CKF_USER_PIN_COUNT_LOW, true).message).toBe(
      'Wrong PIN for token "Y" (2 tries left before the PIN locks).',
    );
    // Elsewhere COUNT_LOW only says a wrong PIN was entered since the last login.
    expect(loginError(CKR_PIN_INCORRECT, 'S', CKF_USER_PIN_COUNT_LOW).message).toMatch(
      /wrong PINs since the last login, so few tries may be left/,
    );
    expect(pinStatusNote(0)).toBeUndefined();
  });

  it('says the PIN is locked, from the code or from the flags', () => {
    for (const err of [
      loginError(CKR_PIN_LOCKED, 'Y'),
      loginError(CKR_PIN_INCORRECT, 'Y', CKF_USER_PIN_LOCKED | CKF_USER_PIN_COUNT_LOW),
      signError(CKR_PIN_LOCKED, 'Y', 'key'),
    ]) {
      expect(err).toBeInstanceOf(SignerError);
      expect(err.state).toBe('pin-locked');
      expect(err.message).toBe(
        'The PIN of token "Y" is locked after too many wrong PINs. Unblock it with the PUK ' +
          '(for a YubiKey: ykman piv access unblock-pin), then retry.',
      );
    }
  });

  it('explains format, expiry and removal', () => {
    expect(loginError(CKR_PIN_LEN_RANGE, 'Y').message).toMatch(/6 to 8 characters/);
    expect(loginError(CKR_PIN_LEN_RANGE, 'Y').state).toBe('pin-invalid');
    expect(loginError(CKR_PIN_INCORRECT, 'Y').state).toBe('pin-incorrect');
    expect(loginError(CKR_PIN_EXPIRED, 'Y').state).toBe('pin-expired');
    expect(loginError(CKR_DEVICE_REMOVED, 'Y').state).toBe('token-removed');
    expect(loginError(CKR_GENERAL_ERROR, 'Y').state).toBe('failed');
    expect(loginError(CKR_PIN_EXPIRED, 'Y').message).toMatch(/has expired/);
    expect(loginError(CKR_DEVICE_REMOVED, 'Y').message).toMatch(/was removed: insert it/);
    expect(loginError(CKR_GENERAL_ERROR, 'Y').message).toBe(
      'Logging in to token "Y" failed (CKR_GENERAL_ERROR).',
    );
  });
});

describe('signing errors', () => {
  it('asks for a touch when the token fails the way ykcs11 does on a touch timeout', () => {
    for (const code of [
      CKR_FUNCTION_FAILED,
      CKR_DEVICE_ERROR,
      CKR_FUNCTION_CANCELED,
      CKR_CANCEL,
      CKR_GENERAL_ERROR,
    ]) {
      const err = signError(code, 'YubiKey PIV #1', '"Private key for Digital Signature" (id 02)');
      expect(err).toBeInstanceOf(SignerError);
      expect(err.state).toBe('touch');
      expect(err.message).toBe(
        `Signing with "Private key for Digital Signature" (id 02) on token "YubiKey PIV #1" failed ` +
          `(${ckrName(code)}). If the key requires touch, touch it when it blinks (within about ` +
          `15 seconds) and retry.`,
      );
    }
  });

  it('tells removal, re-authentication and unusable keys apart', () => {
    expect(signError(CKR_DEVICE_REMOVED, 'Y', 'k').message).toMatch(/removed\. Insert it/);
    expect(signError(CKR_USER_NOT_LOGGED_IN, 'Y', 'k').message).toMatch(/PIN again/);
    expect(signError(CKR_KEY_FUNCTION_NOT_PERMITTED, 'Y', 'k').message).toMatch(/CKM_ECDSA/);
  });
});

describe('token and key errors', () => {
  it('says there is no token, no reader, or a blank token', () => {
    expect(noTokenError('/lib/ykcs11.so', [], 0).message).toBe(
      'No token or reader found through the PKCS#11 module /lib/ykcs11.so: insert your YubiKey ' +
        '(and check that pcscd is running), then retry.',
    );
    expect(noTokenError('/m.so', ['Yubico YubiKey OTP+FIDO+CCID 00 00'], 0).message).toBe(
      'No token in reader "Yubico YubiKey OTP+FIDO+CCID 00 00": insert your YubiKey (or token) and retry.',
    );
    expect(noTokenError('/m.so', [], 1).message).toMatch(/not initialized/);
    expect(tokenNotFoundError('ci', ['a', 'b']).message).toBe(
      'No token labelled "ci"; tokens present: "a", "b".',
    );
  });

  it('names what was searched and what is there', () => {
    const keys = [
      { label: 'tuf', id: '01', keyType: 'EC', curve: { name: 'P-256' } },
      { label: 'old', id: '05', keyType: 'RSA' },
    ];
    expect(keyNotFoundError('labelled "x"', [{ token: 'T', keys }], false).message).toBe(
      'No key labelled "x" on token "T". Keys there: "tuf" (id 01, EC P-256), "old" (id 05, RSA).',
    );
    expect(
      keyNotFoundError(
        'with id 09',
        [
          { token: 'A', keys },
          { token: 'B', keys: [] },
        ],
        false,
      ).message,
    ).toBe(
      'No key with id 09 on any of the tokens present. Token "A": "tuf" (id 01, EC P-256), ' +
        '"old" (id 05, RSA). Token "B": no keys visible.',
    );
    expect(keyNotFoundError('x', [{ token: 'T', keys: [] }], true).message).toMatch(
      /PIV slot 9c \(ykman piv keys generate -a ECCP256 9c\)/,
    );
  });

  it('names the curve or type of a key it cannot sign with', () => {
    expect(
      unsupportedKeyError(
        { label: 'k1', id: '04', keyType: 'EC', curve: { name: 'secp256k1' } },
        'T',
      ).message,
    ).toBe(
      'The key "k1" (id 04) on token "T" is an EC key on curve secp256k1; ' +
        'TUF signing with a token needs an EC key on P-256 or P-384.',
    );
    expect(unsupportedKeyError({ label: 'r', id: '05', keyType: 'RSA' }, 'T').message).toMatch(
      /is an RSA key; TUF signing with a token needs an EC key on P-256 or P-384/,
    );
    expect(unsupportedKeyError({ label: 'd', id: '06', keyType: 'DSA' }, 'T').message).toMatch(
      /is a DSA key/,
    );
  });

  it('tells a missing module from one that cannot load', () => {
    expect(moduleLoadError('/x/libykcs11.so', false, '').message).toMatch(
      /^The PKCS#11 module \/x\/libykcs11.so was not found\. For a YubiKey install Yubico's ykcs11/,
    );
    expect(moduleLoadError('/etc/hosts', true, 'invalid ELF header').message).toMatch(
      /^Cannot load the PKCS#11 module \/etc\/hosts: invalid ELF header\./,
    );
  });
});

describe('other PKCS#11 failures', () => {
  it('become UserErrors naming the token or module and the function that failed', () => {
    const removed = new pkcs11js.Pkcs11Error(
      'CKR_DEVICE_REMOVED',
      CKR_DEVICE_REMOVED,
      'C_FindObjects',
    );
    expect((asSignerError(removed, { token: 'Y' }) as Error).message).toBe(
      'The token "Y" was removed (CKR_DEVICE_REMOVED): insert it and retry.',
    );
    const failed = new pkcs11js.Pkcs11Error(
      'CKR_GENERAL_ERROR',
      CKR_GENERAL_ERROR,
      'C_GetTokenInfo',
    );
    expect(asSignerError(failed, { modulePath: '/m.so' })).toBeInstanceOf(SignerError);
    expect((asSignerError(failed, { modulePath: '/m.so' }) as Error).message).toBe(
      'The PKCS#11 module /m.so failed (CKR_GENERAL_ERROR, in C_GetTokenInfo).',
    );
    expect((asSignerError(failed, { token: 'Y' }) as Error).message).toBe(
      'The token "Y" failed (CKR_GENERAL_ERROR, in C_GetTokenInfo).',
    );
    const bug = new TypeError('not a PKCS#11 failure');
    expect(asSignerError(bug, { token: 'Y' })).toBe(bug);
  });
});
