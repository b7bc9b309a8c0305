/**
 * A SoftHSM2 token per test file, standing in for a YubiKey: its own temp dir and
 * softhsm2.conf, keys generated with OpenSC's pkcs11-tool, and SOFTHSM2_CONF set in
 * this process (SoftHSM reads it at C_Initialize, which the signer calls for every
 * operation, so the variable only has to be right before the signer runs).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const SOFTHSM_MODULE = '/usr/lib/softhsm/libsofthsm2.so';

/** A key to generate: pkcs11-tool key type ("EC:prime256v1", "rsa:2048"), label, hex id. */
export interface SoftHsmKey {
  type: string;
  label: string;
  id: string;
  /** Mark the private key CKA_ALWAYS_AUTHENTICATE, as PIV slot 9c is on a YubiKey. */
  alwaysAuth?: boolean;
}

/** The PIV "Digital Signature" key as ykcs11 shows slot 9c (P-256, id 02). */
export const PIV_9C_KEY: SoftHsmKey = {
  type: 'EC:prime256v1',
  label: 'Private key for Digital Signature',
  id: '02',
};

/** Keys most tests need: PIV 9c, P-256, P-384, and the unsupported secp256k1 and RSA. */
export const STANDARD_KEYS: SoftHsmKey[] = [
  PIV_9C_KEY,
  { type: 'EC:prime256v1', label: 'tuf-p256', id: '01' },
  { type: 'EC:secp384r1', label: 'tuf-p384', id: '03' },
  { type: 'EC:secp256k1', label: 'tuf-k1', id: '04' },
  { type: 'rsa:2048', label: 'tuf-rsa', id: '05' },
];

export interface SoftHsmToken {
  label: string;
  keys?: SoftHsmKey[];
}

export interface SoftHsm {
  /** Temp dir holding the conf and the token dir. */
  dir: string;
  tokenDir: string;
  conf: string;
  module: string;
  pin: string;
  soPin: string;
  /** Adds a token (and its keys) to this SoftHSM. */
  addToken(token: SoftHsmToken): void;
  /** Generates a key pair on an existing token. */
  addKey(tokenLabel: string, key: SoftHsmKey): void;
  /** Points SOFTHSM2_CONF at this SoftHSM again (after a test pointed it elsewhere). */
  activate(): void;
  /** Removes the temp dir and restores SOFTHSM2_CONF. */
  cleanup(): void;
}

/** Creates a SoftHSM with the given tokens (none: only SoftHSM's blank slot, i.e. "no token"). */
export function createSoftHsm(tokens: SoftHsmToken[] = []): SoftHsm {
  const previous = process.env.SOFTHSM2_CONF;
  const dir = mkdtempSync(join(tmpdir(), 'tufci-softhsm-'));
  const tokenDir = join(dir, 'tokens');
  mkdirSync(tokenDir);
  const conf = join(dir, 'softhsm2.conf');
  writeFileSync(
    conf,
    [
      `directories.tokendir = ${tokenDir}`,
      'objectstore.backend = file',
      'log.level = ERROR',
      'slots.removable = false',
      '',
    ].join('\n'),
  );
  const env = { ...process.env, SOFTHSM2_CONF: conf };
  const run = (cmd: string, args: string[]): void => {
    execFileSync(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  };
  const hsm: SoftHsm = {
    dir,
    tokenDir,
    conf,
    module: SOFTHSM_MODULE,
    pin: '123456',
    soPin: '12345678',
    addToken(token) {
      run('softhsm2-util', [
        '--init-token',
        '--free',
        '--label',
        token.label,
        '--pin',
        hsm.pin,
        '--so-pin',
        hsm.soPin,
      ]);
      for (const key of token.keys ?? []) hsm.addKey(token.label, key);
    },
    addKey(tokenLabel, key) {
      run('pkcs11-tool', [
        '--module',
        SOFTHSM_MODULE,
        '--token-label',
        tokenLabel,
        '--login',
        '--pin',
        hsm.pin,
        '--keypairgen',
        '--key-type',
        key.type,
        '--id',
        key.id,
        '--label',
        key.label,
        ...(key.alwaysAuth ? ['--always-auth'] : []),
      ]);
    },
    activate() {
      process.env.SOFTHSM2_CONF = conf;
    },
    cleanup() {
      if (previous === undefined) delete process.env.SOFTHSM2_CONF;
      else process.env.SOFTHSM2_CONF = previous;
      rmSync(dir, { recursive: true, force: true });
    },
  };
  for (const token of tokens) hsm.addToken(token);
  hsm.activate();
  return hsm;
}
