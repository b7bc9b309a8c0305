/**
 * Every failure a YubiKey signer meets, surfaced through `tufci` on a real bare git
 * remote, with its exact message, and nothing changed when it fails: no token, no
 * module, wrong PIN (from the environment and at the prompt, with the retries
 * wording), no PIN, unsupported curve and key type, a token key that is not the key
 * in root, and the online HSM's PIN. SoftHSM never locks a PIN nor waits for a touch,
 * so "locked" and "touch" run through the CLI with a stand-in token that fails exactly
 * as ykcs11 does, built from the same mapping functions the real signer uses.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import pkcs11js from 'pkcs11js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  loginError,
  pinLockedError,
  pinStatusNote,
  signError,
} from '../../lib/signers/pkcs11/errors.js';
import type { PinRequest } from '../../lib/signers/pkcs11/signer.js';
import { keyId, tufKeyFromPublicPem } from '../../lib/tuf/keys.js';
import { commandPins, PinCachingSigner } from '../../signer-cli/signers.js';
import type { Ctx } from '../../signer-cli/context.js';
import { run } from '../../signer-cli/program.js';
import type { SoftHsm } from '../helpers/softhsm.js';
import { git, World } from '../helpers/world.js';
import {
  cleanupTokens,
  noToken,
  ok,
  onlineHsm,
  type Person,
  type Result,
  SOFTHSM_MODULE,
  type Token,
  tokenPerson,
  tufciIn,
  yubiKey,
} from './tokens.js';

const EVENT = 'sign/init';
const BOB_YK = 'YubiKey PIV #2002';
let w: World;
let aliceYk: Token;
let bobYk: Token;
let ciHsm: Token;
let blank: SoftHsm;
let alice: Person;
let bob: Person;
let onlineUri: string;
let eventHead: string;

const short = (keyid: string): string => keyid.slice(0, 12);
const bobKeyid = (): string => bobYk.keys[0]!.keyid;

/** Bob's settings, as `tufci setup` writes them. */
async function configure(...extra: string[]): Promise<void> {
  ok('setup', await bob.run('setup', '--user', '@bob', '--method', 'pkcs11', ...extra));
}

/** `tufci sign` by bob that must fail, changing nothing locally or on the remote. */
async function failingSign(extra?: Partial<Ctx>): Promise<Result> {
  const r = extra
    ? await bob.runWith(extra, 'sign', EVENT, '--yes')
    : await bob.run('sign', EVENT, '--yes');
  expect(r.code, r.out).toBe(5);
  expect(w.remoteRef(EVENT)).toBe(eventHead);
  expect(git(bob.dir, 'status', '--porcelain', 'metadata')).toBe('');
  return r;
}

const never = async (): Promise<string> => {
  throw new Error('the PIN must not be asked for');
};

beforeAll(async () => {
  w = new World();
  aliceYk = yubiKey('YubiKey PIV #1001');
  bobYk = yubiKey(BOB_YK);
  for (const k of [
    { type: 'EC:prime256v1', label: 'tuf-p256', id: '01' },
    { type: 'EC:secp256k1', label: 'tuf-k1', id: '04' },
    { type: 'rsa:2048', label: 'tuf-rsa', id: '05' },
  ]) {
    bobYk.hsm.addKey(BOB_YK, k);
  }
  ciHsm = onlineHsm('ci-hsm', 'tuf-online');
  blank = noToken();
  alice = await tokenPerson(w, 'alice', aliceYk);
  bob = await tokenPerson(w, 'bob', bobYk);

  const ci = w.ci();
  const pubs = { online: join(w.root, 'online-hsm.pub'), bob: join(w.root, 'bob-yk.pub') };
  const exp = ok(
    'key public',
    await tufciIn(w, ci.dir, ciHsm.hsm, { env: w.env }, [
      ...['key', 'public', '--module', SOFTHSM_MODULE],
      ...['--key', 'pkcs11:token=ci-hsm;object=tuf-online', '--out', pubs.online],
    ]),
  );
  onlineUri = /Online key URI: (\S+)/.exec(exp.out)![1]!;
  ok('key public', await bob.run('key', 'public', '--out', pubs.bob));
  // bob's key is known up front: no invite, root waits for his signature
  ok(
    'init',
    await alice.run(
      ...['init', '--root-signers', '@alice,@bob', '--root-threshold', '2'],
      ...['--targets-signers', '@alice,@bob', '--targets-threshold', '2'],
      ...['--key', `@bob=${pubs.bob}`, '--online-key', pubs.online, '--online-uri', onlineUri],
    ),
  );
  eventHead = w.remoteRef(EVENT)!;
  w.sync(bob.clone, EVENT);
}, 120_000);

afterAll(() => {
  cleanupTokens();
  w.cleanup();
});

describe('token and module', () => {
  it('no token inserted', async () => {
    bob.plug(blank);
    const expected =
      `error: No usable token found through the PKCS#11 module ${SOFTHSM_MODULE}: the token ` +
      'present is not initialized. Initialize it, or insert your YubiKey (or token) and retry.';
    expect((await failingSign()).err).toBe(expected);
    const list = await bob.run('key', 'list');
    expect(list.code).toBe(5);
    expect(list.err).toBe(expected);
    bob.plug(bobYk);
  });

  it('no PKCS#11 module at the configured path, or ykcs11 not installed', async () => {
    await configure('--pkcs11-module', '/nonexistent/libykcs11.so');
    expect((await failingSign()).err).toBe(
      'error: The PKCS#11 module /nonexistent/libykcs11.so was not found. For a YubiKey install ' +
        "Yubico's ykcs11 (package ykcs11 or yubico-piv-tool), or set the module path in the " +
        'configuration to the module of your token.',
    );
    await configure(); // no pkcs11-module: ykcs11's path
    const ykcs11 = '/usr/lib/x86_64-linux-gnu/libykcs11.so';
    const err = (await failingSign()).err;
    // with ykcs11 installed: no YubiKey, or (without pcscd) "failed to start (CKR_DEVICE_ERROR)"
    if (existsSync(ykcs11))
      expect(err).toMatch(
        /^error: (No token|No usable token|The PKCS#11 module \S+ failed to start)/,
      );
    else expect(err).toMatch(/^error: The PKCS#11 module \/usr\/lib\/[^ ]*libykcs11\.so was not/);
    await configure('--pkcs11-module', SOFTHSM_MODULE);
  });
});

describe('PIN', () => {
  it('a wrong PIN from TUFCI_PIN fails at once, with what the token says about retries', async () => {
    const env = { ...w.env, TUFCI_PIN: '000000' };
    const wrong =
      `error: Wrong PIN for token "${BOB_YK}" (the token reports wrong PINs since the last ` +
      'login, so few tries may be left).';
    expect((await failingSign({ env })).err).toBe(wrong);
    // a PIN from the environment is never tried twice: that would only use up retries
    expect((await failingSign({ env })).err).toBe(wrong);
  });

  it('no TUFCI_PIN and no terminal', async () => {
    expect((await failingSign({ env: { ...w.env } })).err).toBe(
      `error: The token "${BOB_YK}" needs its PIN: set TUFCI_PIN, or run tufci in a terminal ` +
        'to be asked for it.',
    );
  });

  it('at the prompt, a wrong PIN is forgotten and asked again with the warning, three times at most', async () => {
    const prompts: string[] = [];
    const r = await failingSign({
      env: { ...w.env },
      askSecret: async (q) => (prompts.push(q), '999999'),
    });
    const note = 'the token reports wrong PINs since the last login, so few tries may be left';
    expect(prompts).toEqual(Array(3).fill(`PIN for token "${BOB_YK}" (${note}): `));
    const wrong = `error: Wrong PIN for token "${BOB_YK}" (${note}).`;
    expect(r.err.split('\n').filter((l) => l.startsWith('error:'))).toEqual([wrong, wrong, wrong]);

    const empty = await failingSign({ env: { ...w.env }, askSecret: async () => '' });
    expect(empty.err).toBe(`error: No PIN entered for token "${BOB_YK}"; nothing was signed.`);
  });
});

describe('keys', () => {
  it('an unsupported curve or key type is refused before the PIN is asked for', async () => {
    await configure('--pkcs11-module', SOFTHSM_MODULE, '--pkcs11-key', 'tuf-k1');
    expect((await failingSign({ env: { ...w.env }, askSecret: never })).err).toBe(
      `error: The key "tuf-k1" (id 04) on token "${BOB_YK}" is an EC key on curve secp256k1; ` +
        'TUF signing with a token needs an EC key on P-256 or P-384.',
    );
    await configure('--pkcs11-module', SOFTHSM_MODULE, '--pkcs11-key', 'id:05');
    expect((await failingSign({ env: { ...w.env }, askSecret: never })).err).toBe(
      `error: The key "tuf-rsa" (id 05) on token "${BOB_YK}" is an RSA key; ` +
        'TUF signing with a token needs an EC key on P-256 or P-384.',
    );
    const list = ok('key list', await bob.run('key', 'list'));
    expect(list.out).toContain(
      `  "tuf-k1" (id 04, EC secp256k1) unusable: The key "tuf-k1" (id 04) on token "${BOB_YK}" ` +
        'is an EC key on curve secp256k1',
    );
    expect(list.out).toContain(`keyid ${bobKeyid()}\n    signs: root, targets (as @bob)`);
  });

  it('a token key that is not the key in root: both keyids named, before any PIN', async () => {
    await configure('--pkcs11-module', SOFTHSM_MODULE, '--pkcs11-key', 'tuf-p256');
    const other = tufKeyFromPublicPem((await bob.run('key', 'public', '--key', 'tuf-p256')).out);
    const expects = `(expects keyid ${short(bobKeyid())})`;
    expect((await failingSign({ env: { ...w.env }, askSecret: never })).err).toBe(
      `error: key "tuf-p256" (id 01, EC P-256) on PKCS#11 token "${BOB_YK}" ` +
        `(keyid ${short(keyId(other))}) is not @bob's key in: root ${expects}, targets ${expects}`,
    );

    // alice's YubiKey in bob's machine
    await configure('--pkcs11-module', SOFTHSM_MODULE);
    bob.plug(aliceYk);
    expect((await failingSign({ env: { ...w.env }, askSecret: never })).err).toBe(
      'error: key "Public key for Digital Signature" (id 02, EC P-256) on PKCS#11 token ' +
        `"YubiKey PIV #1001" (keyid ${short(aliceYk.keys[0]!.keyid)}) is not @bob's key in: ` +
        `root ${expects}, targets ${expects}`,
    );
    bob.plug(bobYk);
  });

  it('a pkcs11-key that cannot name a key', async () => {
    const bad = await bob.run('setup', '--user', '@bob', '--pkcs11-key', 'id:zz');
    expect(bad.code).toBe(1);
    expect(bad.err).toBe('error: --pkcs11-key: Key id "zz" is not hex bytes (e.g. id:02).');
    await configure('--pkcs11-module', SOFTHSM_MODULE, '--pkcs11-key', 'nosuch');
    expect((await failingSign()).err).toMatch(
      new RegExp(`^error: No key labelled "nosuch" on token "${BOB_YK}"\\. Keys there: `),
    );
    await configure('--pkcs11-module', SOFTHSM_MODULE);
  });
});

/**
 * A YubiKey as ykcs11 presents it to the signer, for what SoftHSM cannot do: a PIN
 * counter that locks at 0 (ykcs11 sets COUNT_LOW at 2 tries left, FINAL_TRY at 1,
 * LOCKED at 0) and a touch that never comes.
 */
class StandInYubiKey {
  retries = 3;
  touch = true;
  /** The PIN source of the command running now. */
  pin: (r: PinRequest) => Promise<string> = never;
  constructor(private readonly publicPem: string) {}

  flags(): number {
    if (this.retries === 0) return pkcs11js.CKF_USER_PIN_LOCKED;
    if (this.retries === 1) return pkcs11js.CKF_USER_PIN_FINAL_TRY;
    if (this.retries === 2) return pkcs11js.CKF_USER_PIN_COUNT_LOW;
    return 0;
  }

  readonly description = `key "Private key for Digital Signature" (id 02, EC P-256) on PKCS#11 token "${BOB_YK}"`;

  async publicKey() {
    return tufKeyFromPublicPem(this.publicPem);
  }

  async sign(): Promise<string> {
    if (this.flags() & pkcs11js.CKF_USER_PIN_LOCKED) throw pinLockedError(BOB_YK);
    const note = pinStatusNote(this.flags(), true);
    const pin = await this.pin(note ? { token: BOB_YK, note } : { token: BOB_YK });
    if (pin !== '123456') {
      this.retries--;
      throw loginError(pkcs11js.CKR_PIN_INCORRECT, BOB_YK, this.flags(), true);
    }
    this.retries = 3;
    if (this.touch) {
      throw signError(
        pkcs11js.CKR_FUNCTION_FAILED,
        BOB_YK,
        '"Private key for Digital Signature" (id 02, EC P-256)',
      );
    }
    throw new Error('the stand-in does not sign');
  }
}

describe('locked PIN and touch, through the CLI with a stand-in YubiKey', () => {
  let yk: StandInYubiKey | undefined;
  const runStandIn = async (askSecret: (q: string) => Promise<string>): Promise<Result> => {
    const sink = { out: [] as string[], err: [] as string[] };
    const ctx = w.ctxFor(bob.dir, sink, { env: { ...w.env }, askSecret });
    ctx.tokenSigner = (_cfg, c) => {
      const pins = commandPins(c);
      yk ??= new StandInYubiKey(bobYk.keys[0]!.publicPem);
      yk.pin = pins.pin; // the token lives on; each command brings its own PIN cache
      return new PinCachingSigner(yk, pins, (m) => c.err(`error: ${m}`));
    };
    const code = await run(['sign', EVENT, '--yes'], ctx);
    expect(code).toBe(5);
    expect(w.remoteRef(EVENT)).toBe(eventHead);
    return { code, out: sink.out.join('\n'), err: sink.err.join('\n') };
  };

  it('counts the retries down at the prompt and stops when the PIN locks', async () => {
    const prompts: string[] = [];
    const r = await runStandIn(async (q) => (prompts.push(q), '000000'));
    expect(prompts).toEqual([
      `PIN for token "${BOB_YK}": `,
      `PIN for token "${BOB_YK}" (2 tries left before the PIN locks): `,
      `PIN for token "${BOB_YK}" (final try: 1 try left, one more wrong PIN locks the PIN): `,
    ]);
    expect(r.err.split('\n')).toEqual([
      `error: Wrong PIN for token "${BOB_YK}" (2 tries left before the PIN locks).`,
      `error: Wrong PIN for token "${BOB_YK}" (final try: 1 try left, one more wrong PIN locks the PIN).`,
      `error: The PIN of token "${BOB_YK}" is locked after too many wrong PINs. Unblock it with ` +
        'the PUK (for a YubiKey: ykman piv access unblock-pin), then retry.',
    ]);
    // the next command is told at once, without a prompt
    const again = await runStandIn(never);
    expect(again.err).toMatch(/^error: The PIN of token "YubiKey PIV #2002" is locked/);
  });

  it('a touch that never came: asks for the touch, keeps the PIN, does not ask again', async () => {
    yk!.retries = 3;
    const prompts: string[] = [];
    const r = await runStandIn(async (q) => (prompts.push(q), '123456'));
    expect(prompts).toHaveLength(1);
    expect(r.err).toBe(
      `error: Signing with "Private key for Digital Signature" (id 02, EC P-256) on token ` +
        `"${BOB_YK}" failed (CKR_FUNCTION_FAILED). If the key requires touch, touch it when it ` +
        'blinks (within about 15 seconds) and retry.',
    );
  });
});

describe('recovering, then the online HSM', () => {
  it('--method picks the YubiKey over a configured key file; a mistyped PIN, then the right one', async () => {
    const keyfile = join(w.root, 'no-such-key.pem');
    ok(
      'setup',
      await bob.run(
        ...['setup', '--user', '@bob', '--method', 'keyfile', '--keyfile', keyfile],
        ...['--pkcs11-module', SOFTHSM_MODULE],
      ),
    );
    expect((await failingSign()).err).toBe(`error: ${keyfile}: key file not found`);

    const typed = ['000000', bobYk.hsm.pin];
    const prompts: string[] = [];
    const r = await bob.runWith(
      { env: { ...w.env }, askSecret: async (q) => (prompts.push(q), typed.shift()!) },
      ...['sign', EVENT, '--yes', '--method', 'yubikey'],
    );
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('Signed root, targets.');
    expect(prompts).toHaveLength(2);
    expect(r.err).toContain(`error: Wrong PIN for token "${BOB_YK}"`);
    expect(w.remoteRef(EVENT)).not.toBe(eventHead);
  });

  it('online signing needs the HSM PIN: TUFCI_ONLINE_PIN, else TUFCI_PIN', async () => {
    w.merge(EVENT);
    const online = async (env: Record<string, string | undefined>): Promise<Result> => {
      delete env.TUFCI_ONLINE_KEY;
      return tufciIn(w, w.ci().dir, ciHsm.hsm, { env }, ['online-sign', '--push']);
    };
    const missing = await online({ ...w.env });
    expect(missing.code).toBe(5);
    expect(missing.err).toBe(
      `error: The online key ${onlineUri} is on token "ci-hsm", which needs its PIN: set ` +
        'TUFCI_ONLINE_PIN (a CI secret).',
    );
    const wrong = await online({ ...w.env, TUFCI_ONLINE_PIN: '000000', TUFCI_PIN: ciHsm.hsm.pin });
    expect(wrong.code).toBe(5);
    expect(wrong.err).toMatch(/^error: Wrong PIN for token "ci-hsm" \(/);
    const main = w.remoteRef('main');
    const good = ok('online-sign', await online({ ...w.env, TUFCI_PIN: ciHsm.hsm.pin }));
    expect(good.out).toContain('Signed snapshot, timestamp with the online key.');
    expect(w.remoteRef('main')).not.toBe(main);
    const site = join(w.root, 'site');
    ok(
      'publish',
      await tufciIn(w, w.ci().dir, ciHsm.hsm, { env: w.env }, ['publish', '--to', `dir:${site}`]),
    );
    const v = await tufciIn(w, w.ci().dir, ciHsm.hsm, { env: w.env }, [
      'verify',
      '--from',
      `dir:${site}`,
    ]);
    expect(v.err).toBe('');
    expect(v.code).toBe(0);
  });
});
