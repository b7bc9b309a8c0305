/**
 * The CLI side of the pkcs11 method without a token: which module and key the
 * settings name, where the PIN comes from and how long it is kept, and how
 * `key list` names the roles a key signs for.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateKey } from '../../lib/signers/keyfile.js';
import { loginError, pinLockedError, signError } from '../../lib/signers/pkcs11/errors.js';
import type { TokenKeyListing } from '../../lib/signers/pkcs11/signer.js';
import { SignerError } from '../../lib/errors.js';
import { keyId } from '../../lib/tuf/keys.js';
import { formatKeyRoles, keyUses, type KeyUse } from '../../signer-cli/token-keys.js';
import {
  isPinRejected,
  parseKeyChoice,
  PinCachingSigner,
  pinSource,
  pkcs11ModulePath,
  type TokenSigner,
} from '../../signer-cli/signers.js';

const CKR_PIN_INCORRECT = 0xa0;
const CKR_PIN_LEN_RANGE = 0xa2;
const CKR_FUNCTION_FAILED = 0x06;

describe('module path', () => {
  it('takes the configured module, resolving relative paths from the checkout', () => {
    expect(pkcs11ModulePath('/opt/hsm/lib.so', '/repo')).toBe('/opt/hsm/lib.so');
    expect(pkcs11ModulePath('./vendor/lib.so', '/repo')).toBe('/repo/vendor/lib.so');
    expect(pkcs11ModulePath('libykcs11.so', '/repo')).toBe('libykcs11.so'); // the loader searches
  });

  it('defaults to the ykcs11 installed on the platform, else its usual path', () => {
    const none = (): boolean => false;
    expect(pkcs11ModulePath(undefined, '/r', 'linux', none)).toBe(
      '/usr/lib/x86_64-linux-gnu/libykcs11.so',
    );
    expect(pkcs11ModulePath('', '/r', 'linux', (p) => p.includes('aarch64'))).toBe(
      '/usr/lib/aarch64-linux-gnu/libykcs11.so',
    );
    expect(pkcs11ModulePath(undefined, '/r', 'darwin', none)).toBe(
      '/usr/local/lib/libykcs11.dylib',
    );
    expect(pkcs11ModulePath(undefined, '/r', 'darwin', (p) => p.startsWith('/opt/'))).toBe(
      '/opt/homebrew/lib/libykcs11.dylib',
    );
  });
});

describe('pkcs11-key', () => {
  it('is a selector or a pkcs11: URI', () => {
    expect(parseKeyChoice(undefined)).toEqual({ key: {} });
    expect(parseKeyChoice('9c')).toEqual({ key: {} });
    expect(parseKeyChoice('id:02')).toEqual({ key: { id: '02' } });
    expect(parseKeyChoice('tuf-key')).toEqual({ key: { label: 'tuf-key' } });
    expect(parseKeyChoice('pkcs11:token=YubiKey%20PIV%20%231;id=%02')).toEqual({
      token: 'YubiKey PIV #1',
      key: { id: '02' },
    });
    expect(parseKeyChoice('pkcs11:token=hsm;object=k?module-path=/l.so')).toEqual({
      token: 'hsm',
      key: { label: 'k' },
      modulePath: '/l.so',
    });
  });

  it('says which setting is wrong', () => {
    expect(() => parseKeyChoice('id:xyz')).toThrow(
      'pkcs11-key: Key id "xyz" is not hex bytes (e.g. id:02).',
    );
    expect(() => parseKeyChoice('pkcs11:token=a?pin-value=1234', '--key')).toThrow(
      /^--key: Invalid PKCS#11 URI .*"pin-value" is refused/,
    );
  });
});

describe('PIN source', () => {
  it('reads the environment first, caches per token, asks once per token at the prompt', async () => {
    const asked: string[] = [];
    const fromEnv = pinSource({
      env: { B: '', A: '4321' },
      envVars: ['B', 'A'],
      missing: () => 'none',
    });
    expect(await fromEnv.pin({ token: 't' })).toBe('4321');
    expect(fromEnv.lastTyped).toBe(false);

    const typed = pinSource({
      env: {},
      askSecret: async (q) => (asked.push(q), `pin${asked.length}`),
      envVars: ['TUFCI_PIN'],
      missing: () => 'none',
    });
    expect(await typed.pin({ token: 'a' })).toBe('pin1');
    expect(await typed.pin({ token: 'a', note: 'ignored: cached' })).toBe('pin1');
    expect(await typed.pin({ token: 'b', note: '2 tries left' })).toBe('pin2');
    expect(typed.lastTyped).toBe(true);
    typed.forget('a');
    expect(await typed.pin({ token: 'a' })).toBe('pin3');
    expect(asked).toEqual([
      'PIN for token "a": ',
      'PIN for token "b" (2 tries left): ',
      'PIN for token "a": ',
    ]);
  });

  it('says what to do when there is neither a variable nor a terminal', async () => {
    const none = pinSource({ env: {}, envVars: ['X'], missing: (r) => `no PIN for ${r.token}` });
    await expect(none.pin({ token: 't' })).rejects.toThrow(
      new SignerError('pin-missing', 'no PIN for t'),
    );
  });
});

describe('PinCachingSigner', () => {
  /** A token that accepts `good` only, and counts signatures. */
  const token = (good: string, pin: (r: { token: string }) => Promise<string>) => {
    let signatures = 0;
    const inner: TokenSigner = {
      description: 'test token key',
      publicKey: async () => ({ keytype: 'ecdsa', scheme: 's', keyval: { public: 'p' } }),
      sign: async () => {
        if ((await pin({ token: 'T' })) !== good) throw loginError(CKR_PIN_INCORRECT, 'T');
        return `sig${++signatures}`;
      },
    };
    return inner;
  };

  it('keeps a typed PIN for the command, and asks again only after the token refused it', async () => {
    const typed = ['bad', 'good'];
    const reported: string[] = [];
    const pins = pinSource({
      env: {},
      askSecret: async () => typed.shift()!,
      envVars: [],
      missing: () => 'none',
    });
    const signer = new PinCachingSigner(token('good', pins.pin), pins, (m) => reported.push(m));
    expect(await signer.sign(new Uint8Array())).toBe('sig1');
    expect(await signer.sign(new Uint8Array())).toBe('sig2'); // cached: no third prompt
    expect(typed).toEqual([]);
    expect(reported).toEqual(['Wrong PIN for token "T".']);
    expect(signer.description).toBe('test token key');
  });

  it('never repeats a PIN from the environment', async () => {
    let reads = 0;
    const env = {
      get TUFCI_PIN() {
        reads++;
        return 'bad';
      },
    };
    const pins = pinSource({ env, envVars: ['TUFCI_PIN'], missing: () => 'none' });
    const signer = new PinCachingSigner(token('good', pins.pin), pins);
    await expect(signer.sign(new Uint8Array())).rejects.toThrow('Wrong PIN for token "T".');
    expect(reads).toBe(1);
  });

  it('knows which errors mean the PIN was refused', () => {
    expect(isPinRejected(loginError(CKR_PIN_INCORRECT, 'T'))).toBe(true);
    expect(isPinRejected(loginError(CKR_PIN_LEN_RANGE, 'T'))).toBe(true);
    expect(isPinRejected(pinLockedError('T'))).toBe(true);
    expect(isPinRejected(signError(CKR_FUNCTION_FAILED, 'T', 'k'))).toBe(false);
    expect(isPinRejected(new Error('Wrong PIN for token "T".'))).toBe(false);
  });
});

describe('key list', () => {
  const listing: TokenKeyListing[] = [
    {
      token: 'YubiKey PIV #1',
      serial: '1',
      manufacturer: 'Yubico (www.yubico.com)',
      model: 'YubiKey YK5',
      keys: [
        {
          label: 'Public key for Digital Signature',
          id: '02',
          keyType: 'EC',
          curve: 'P-256',
          scheme: 'ecdsa-sha2-nistp256',
          keyid: 'aa'.repeat(32),
          uri: 'pkcs11:token=YubiKey%20PIV%20%231;id=%02',
        },
        {
          label: 'Public key for Key Management',
          id: '03',
          keyType: 'EC',
          curve: 'P-256',
          scheme: 'ecdsa-sha2-nistp256',
          keyid: 'bb'.repeat(32),
          uri: 'pkcs11:token=YubiKey%20PIV%20%231;id=%03',
        },
        {
          label: 'Public key for Card Authentication',
          id: '04',
          keyType: 'RSA',
          problem: 'an RSA key',
          uri: 'pkcs11:token=YubiKey%20PIV%20%231;id=%04',
        },
      ],
    },
    { token: 'empty', serial: '', manufacturer: 'SoftHSM', model: '', keys: [] },
  ];

  it('adds the roles each key signs for, and says when it signs nothing here', () => {
    const uses = new Map<string, KeyUse>([
      ['aa'.repeat(32), { roles: ['root', 'targets', 'app'], owner: '@alice' }],
    ]);
    expect(formatKeyRoles(listing, uses)).toBe(
      [
        'Token "YubiKey PIV #1" (Yubico (www.yubico.com) YubiKey YK5 1)',
        `  "Public key for Digital Signature" (id 02, EC P-256) keyid ${'aa'.repeat(32)}`,
        '    signs: root, targets, app (as @alice)',
        `  "Public key for Key Management" (id 03, EC P-256) keyid ${'bb'.repeat(32)}`,
        '    signs: nothing in this repository',
        '  "Public key for Card Authentication" (id 04, RSA) unusable: an RSA key',
        'Token "empty" (SoftHSM)',
        '  no keys visible',
      ].join('\n'),
    );
  });

  it('lists only the keys outside a repository', () => {
    expect(formatKeyRoles(listing, undefined)).not.toContain('signs:');
  });

  it('finds the roles of each keyid in root and in targets delegations', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tufci-keyuses-'));
    try {
      expect(keyUses(dir)).toBeUndefined();
      const [a, online, c] = [0, 1, 2].map(() => generateKey('ecdsa').tufKey);
      const [ida, ido, idc] = [a!, online!, c!].map(keyId);
      const role = (...keyids: string[]) => ({ keyids, threshold: 1 });
      const env = (signed: object) => JSON.stringify({ signatures: [], signed });
      const common = { spec_version: '1.0.31', version: 1, expires: '2030-01-01T00:00:00Z' };
      mkdirSync(join(dir, 'metadata'));
      writeFileSync(
        join(dir, 'metadata/root.json'),
        env({
          _type: 'root',
          ...common,
          consistent_snapshot: true,
          keys: {
            [ida!]: { ...a, 'x-tuf-on-ci-keyowner': '@a' },
            [ido!]: { ...online, 'x-tuf-on-ci-online-uri': 'pkcs11:token=hsm' },
          },
          roles: {
            root: role(ida!),
            targets: role(ida!),
            snapshot: role(ido!),
            timestamp: role(ido!),
          },
        }),
      );
      writeFileSync(
        join(dir, 'metadata/targets.json'),
        env({
          _type: 'targets',
          ...common,
          targets: {},
          delegations: {
            keys: {
              [ida!]: { ...a, 'x-tuf-on-ci-keyowner': '@a' },
              [idc!]: { ...c, 'x-tuf-on-ci-keyowner': '@c' },
            },
            roles: [{ name: 'app', ...role(ida!, idc!), terminating: true, paths: ['app/*'] }],
          },
        }),
      );
      expect(keyUses(dir)).toEqual(
        new Map([
          [ida, { roles: ['root', 'targets', 'app'], owner: '@a' }],
          [ido, { roles: ['snapshot', 'timestamp'] }],
          [idc, { roles: ['app'], owner: '@c' }],
        ]),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
