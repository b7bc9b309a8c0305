/**
 * Test support for the YubiKey flows: one SoftHSM2 per physical token (so "plugging
 * in" a token is pointing SOFTHSM2_CONF at it before a command runs), PIV slot 9c keys
 * imported with known private scalars (so a test can search the disk for them), and
 * signers whose clones run `tufci`.
 */
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { rmSync } from 'node:fs';
import { keyId, tufKeyFromPublicPem } from '../../lib/tuf/keys.js';
import type { Ctx } from '../../signer-cli/context.js';
import { run } from '../../signer-cli/program.js';
import { createSoftHsm, type SoftHsm, SOFTHSM_MODULE } from '../helpers/softhsm.js';
import type { Clone, World } from '../helpers/world.js';

export { SOFTHSM_MODULE };

/** A key imported into a token, with what the disk check looks for. */
export interface ImportedKey {
  token: string;
  label: string;
  id: string;
  /** The private scalar: must never appear outside the token. */
  scalar: Buffer;
  /** The private key as PKCS#8 and SEC1 DER (their base64 would be a PEM body). */
  pkcs8: Buffer;
  sec1: Buffer;
  publicPem: string;
  keyid: string;
}

/** A physical token: its own SoftHSM with one token on it. */
export interface Token {
  hsm: SoftHsm;
  label: string;
  keys: ImportedKey[];
}

const hsms: SoftHsm[] = [];

/** Removes every SoftHSM this file created (newest first, so SOFTHSM2_CONF ends as it began). */
export function cleanupTokens(): void {
  for (const hsm of hsms.splice(0).reverse()) hsm.cleanup();
}

/**
 * Runs pkcs11-tool with `input` on its stdin. Node's stdio pipes are sockets, which
 * /dev/stdin cannot be opened on, so `cat` feeds a real pipe.
 */
function pkcs11Tool(hsm: SoftHsm, args: string[], input?: Buffer): void {
  const argv = ['pkcs11-tool', '--module', hsm.module, ...args];
  execFileSync('sh', ['-c', 'cat | exec "$0" "$@"', ...argv], {
    env: { ...process.env, SOFTHSM2_CONF: hsm.conf },
    stdio: ['pipe', 'pipe', 'pipe'],
    ...(input ? { input } : {}),
  });
}

/**
 * Generates an EC key in this process and imports both halves into the token through
 * stdin (nothing is written to disk), labelled as ykcs11 labels its keys.
 */
function importKey(
  hsm: SoftHsm,
  token: string,
  o: { label: string; publicLabel?: string; id: string; curve?: string },
): ImportedKey {
  const { privateKey, publicKey } = generateKeyPairSync('ec', {
    namedCurve: o.curve ?? 'prime256v1',
  });
  const pkcs8 = privateKey.export({ type: 'pkcs8', format: 'der' });
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  const publicPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const login = ['--token-label', token, '--login', '--pin', hsm.pin];
  const common = ['--id', o.id, '--write-object', '/dev/stdin'];
  pkcs11Tool(hsm, [...login, ...common, '--type', 'privkey', '--label', o.label], pkcs8);
  pkcs11Tool(
    hsm,
    [...login, ...common, '--type', 'pubkey', '--label', o.publicLabel ?? o.label],
    spki,
  );
  return {
    token,
    label: o.label,
    id: o.id,
    scalar: Buffer.from(privateKey.export({ format: 'jwk' }).d!, 'base64url'),
    pkcs8,
    sec1: privateKey.export({ type: 'sec1', format: 'der' }),
    publicPem,
    keyid: keyId(tufKeyFromPublicPem(publicPem)),
  };
}

/** A YubiKey stand-in: a token labelled like ykcs11's, with a P-256 key in PIV slot 9c (id 02). */
export function yubiKey(label: string): Token {
  const hsm = createSoftHsm([{ label }]);
  hsms.push(hsm);
  const key = importKey(hsm, label, {
    label: 'Private key for Digital Signature',
    publicLabel: 'Public key for Digital Signature',
    id: '02',
  });
  return { hsm, label, keys: [key] };
}

/** An HSM for the online key: a token with one labelled P-256 key. */
export function onlineHsm(label: string, keyLabel: string): Token {
  const hsm = createSoftHsm([{ label }]);
  hsms.push(hsm);
  return { hsm, label, keys: [importKey(hsm, label, { label: keyLabel, id: '10' })] };
}

/** A SoftHSM with no initialized token: what the module shows with no YubiKey inserted. */
export function noToken(): SoftHsm {
  const hsm = createSoftHsm();
  hsms.push(hsm);
  return hsm;
}

export interface Result {
  code: number;
  out: string;
  err: string;
}

/** A person at a machine: their clone, and the token currently plugged in (or none). */
export interface Person {
  clone: Clone;
  user: string;
  dir: string;
  plugged: SoftHsm;
  plug(token: Token | SoftHsm): void;
  /** `tufci` with TUFCI_PIN set to the plugged token's PIN. */
  run(...args: string[]): Promise<Result>;
  /** `tufci` with parts of the context replaced (`env` replaces the whole environment). */
  runWith(extra: Partial<Ctx>, ...args: string[]): Promise<Result>;
}

/** Runs `tufci` in `dir` with `hsm` plugged in. */
export async function tufciIn(
  w: World,
  dir: string,
  hsm: SoftHsm,
  extra: Partial<Ctx>,
  args: string[],
): Promise<Result> {
  hsm.activate();
  const sink = { out: [] as string[], err: [] as string[] };
  const ctx = w.ctxFor(dir, sink, extra);
  const code = await run(args, ctx);
  return { code, out: sink.out.join('\n'), err: sink.err.join('\n') };
}

/**
 * A signer whose clone signs with a token: `tufci setup --method pkcs11` writes the
 * settings, and the key file World generated is deleted, so nothing but the token
 * can sign for them.
 */
export async function tokenPerson(w: World, name: string, token: Token | SoftHsm): Promise<Person> {
  const clone = w.clone(name);
  rmSync(clone.keyfile);
  rmSync(clone.pubfile);
  const person: Person = {
    clone,
    user: clone.user,
    dir: clone.dir,
    plugged: 'hsm' in token ? token.hsm : token,
    plug(t) {
      person.plugged = 'hsm' in t ? t.hsm : t;
    },
    run: (...args) =>
      tufciIn(
        w,
        clone.dir,
        person.plugged,
        { env: { ...w.env, TUFCI_PIN: person.plugged.pin } },
        args,
      ),
    runWith: (extra, ...args) => tufciIn(w, clone.dir, person.plugged, extra, args),
  };
  const setup = await person.run(
    'setup',
    '--user',
    clone.user,
    '--method',
    'pkcs11',
    '--pkcs11-module',
    SOFTHSM_MODULE,
  );
  if (setup.code !== 0) throw new Error(`setup failed: ${setup.err}`);
  return person;
}

/** Throws with the output when a command failed; returns its output. */
export function ok(what: string, r: Result): Result {
  if (r.code !== 0) throw new Error(`${what} failed (${r.code}):\n${r.err}\n${r.out}`);
  return r;
}
