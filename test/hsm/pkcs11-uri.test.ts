import { describe, expect, it } from 'vitest';
import { parseKeySelector } from '../../lib/signers/pkcs11/objects.js';
import { formatPkcs11Uri, parsePkcs11Uri } from '../../lib/signers/pkcs11/uri.js';
import { UserError } from '../../lib/errors.js';

describe('parsePkcs11Uri', () => {
  it('reads token, object, id and module-path', () => {
    expect(
      parsePkcs11Uri(
        'pkcs11:token=CI%20signer;object=tuf-online;id=%01%AB?module-path=/usr/lib/softhsm/libsofthsm2.so',
      ),
    ).toEqual({
      token: 'CI signer',
      object: 'tuf-online',
      id: '01ab',
      modulePath: '/usr/lib/softhsm/libsofthsm2.so',
    });
  });

  it('accepts an empty path, type, upper-case names and UTF-8 labels', () => {
    expect(parsePkcs11Uri('pkcs11:')).toEqual({});
    expect(parsePkcs11Uri('PKCS11:Token=Jos%C3%A9;type=private')).toEqual({
      token: 'José',
      type: 'private',
    });
    expect(parsePkcs11Uri('pkcs11:object=Private%20key%20for%20Digital%20Signature')).toEqual({
      object: 'Private key for Digital Signature',
    });
  });

  it('refuses what it does not understand, and never takes a PIN', () => {
    const cases: [string, RegExp][] = [
      ['http://x', /must start with "pkcs11:"/],
      ['pkcs11:serial=123', /path attribute "serial" is not supported/],
      ['pkcs11:token=a;token=b', /appears twice/],
      ['pkcs11:token', /expected name=value/],
      ['pkcs11:id=', /id is empty/],
      ['pkcs11:id=%G1', /bad percent-encoding/],
      ['pkcs11:token=%FF', /not valid UTF-8/],
      ['pkcs11:type=cert', /type must be private or public/],
      ['pkcs11:token=a?pin-value=1234', /"pin-value" is refused/],
      ['pkcs11:token=a?pin-source=file:/pin', /"pin-source" is refused/],
      ['pkcs11:token=a?module-name=softhsm2', /query attribute "module-name" is not supported/],
      ['pkcs11:token=a?module-path=', /module-path is empty/],
    ];
    for (const [uri, message] of cases) {
      let caught: unknown;
      try {
        parsePkcs11Uri(uri);
      } catch (err) {
        caught = err;
      }
      expect(caught, uri).toBeInstanceOf(UserError);
      expect((caught as Error).message, uri).toMatch(message);
      expect((caught as Error).message, uri).toContain(
        `Invalid PKCS#11 URI ${JSON.stringify(uri)}`,
      );
    }
  });
});

describe('formatPkcs11Uri', () => {
  it('round-trips, percent-encoding what must be', () => {
    const u = {
      token: 'YubiKey PIV #1234;5',
      object: 'Private key for Digital Signature',
      id: '02',
      modulePath: '/usr/local/lib/lib ykcs11.dylib',
    };
    const uri = formatPkcs11Uri(u);
    expect(uri).toBe(
      'pkcs11:token=YubiKey%20PIV%20%231234%3B5;object=Private%20key%20for%20Digital%20Signature;' +
        'id=%02?module-path=/usr/local/lib/lib%20ykcs11.dylib',
    );
    expect(parsePkcs11Uri(uri)).toEqual(u);
    expect(formatPkcs11Uri({})).toBe('pkcs11:');
  });
});

describe('parseKeySelector (config and flag strings)', () => {
  it('reads the PIV default, ids and labels', () => {
    expect(parseKeySelector(undefined)).toEqual({});
    expect(parseKeySelector(' 9c ')).toEqual({});
    expect(parseKeySelector('id:0x0A')).toEqual({ id: '0a' });
    expect(parseKeySelector('label:id:odd')).toEqual({ label: 'id:odd' });
    expect(parseKeySelector('tuf-p256')).toEqual({ label: 'tuf-p256' });
    expect(() => parseKeySelector('id:2')).toThrow(UserError);
    expect(() => parseKeySelector('id:zz')).toThrow(/is not hex bytes/);
  });
});
