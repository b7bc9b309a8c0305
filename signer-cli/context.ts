import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { Git } from '../lib/git/git.js';
import { keyFileSigner } from '../lib/signers/keyfile.js';
import { UsageError, UserError } from '../lib/errors.js';
import type { Signer } from '../lib/signers/signer.js';
import { normalizeUser } from '../lib/event/invites.js';
import { RepoDir } from '../lib/tuf/repo.js';
import type { EventIo } from '../lib/event/workflow.js';
import { CONFIG_FILE } from './definitions.js';

export { CONFIG_FILE };

/** Everything a command may take from the outside world; tests give their own. */
export interface Ctx {
  cwd: string;
  env: Record<string, string | undefined>;
  now: () => Date;
  out: (line: string) => void;
  err: (line: string) => void;
  /** Asks for a secret without echo; undefined when there is no terminal. */
  askSecret?: (question: string) => Promise<string>;
  /** Asks yes/no; undefined when there is no terminal. */
  confirm?: (question: string) => Promise<boolean>;
  /** Stands in for the PKCS#11 token signer (tests drive a token that cannot exist). */
  tokenSigner?: (cfg: SignerConfig, ctx: Ctx) => Signer;
  isTTY?: boolean;
  /** Rewrites the current progress line (TTY only). */
  progress?: (line: string) => void;
}

export interface SignerConfig {
  user: string;
  pullRemote: string;
  pushRemote: string;
  method: string;
  keyfile?: string;
  pkcs11Module?: string;
  pkcs11Key?: string;
}

export interface ConfigFlags {
  user?: string;
  pullRemote?: string;
  pushRemote?: string;
  keyfile?: string;
  method?: string;
}

/** The signer's `@name` from `.tufci.yaml`, or undefined (no file, no name, unreadable). */
export function settingsUser(ctx: Ctx): string | undefined {
  const path = join(ctx.cwd, CONFIG_FILE);
  if (!existsSync(path)) return undefined;
  try {
    const file = parseYaml(readFileSync(path, 'utf8')) as Record<string, unknown> | null;
    const user = file?.['user-name'];
    return typeof user === 'string' ? normalizeUser(user, `${CONFIG_FILE} user-name`) : undefined;
  } catch {
    return undefined;
  }
}

/** Reads `.tufci.yaml` (git-ignored) and applies flags over it. */
export function signerConfig(ctx: Ctx, flags: ConfigFlags): SignerConfig {
  const path = join(ctx.cwd, CONFIG_FILE);
  let file: Record<string, unknown> = {};
  if (existsSync(path)) {
    try {
      file = (parseYaml(readFileSync(path, 'utf8')) as Record<string, unknown>) ?? {};
    } catch (e) {
      throw new UserError(`${CONFIG_FILE}: not valid YAML: ${(e as Error).message.split('\n')[0]}`);
    }
  }
  const str = (key: string): string | undefined => {
    const v = file[key];
    if (v !== undefined && typeof v !== 'string')
      throw new UserError(`${CONFIG_FILE}: field "${key}" must be a string`);
    return v;
  };
  const user = flags.user ?? str('user-name');
  if (!user && !existsSync(path))
    throw new UserError(
      `no signer settings (${CONFIG_FILE}) in ${ctx.cwd}: run \`tufci setup --user @you --keyfile <your key file>\` (or \`--method pkcs11\` for a YubiKey) first`,
    );
  if (!user)
    throw new UserError(
      `no signer name: pass --user @name or set "user-name" in ${CONFIG_FILE} (see \`tufci setup --help\`)`,
    );
  const keyfile = flags.keyfile ?? str('keyfile');
  const method = flags.method ?? str('signing-method') ?? (keyfile ? 'keyfile' : 'pkcs11');
  return {
    user: normalizeUser(user, flags.user ? '--user' : `${CONFIG_FILE} user-name`),
    pullRemote: flags.pullRemote ?? str('pull-remote') ?? 'origin',
    pushRemote:
      flags.pushRemote ?? str('push-remote') ?? flags.pullRemote ?? str('pull-remote') ?? 'origin',
    method,
    keyfile: keyfile && !keyfile.startsWith('/') ? join(ctx.cwd, keyfile) : keyfile,
    pkcs11Module: str('pkcs11-module'),
    pkcs11Key: str('pkcs11-key'),
  };
}

export function passphraseSource(ctx: Ctx, what: string): () => Promise<string | undefined> {
  return async () => {
    const fromEnv = ctx.env.TUFCI_KEY_PASSPHRASE;
    if (fromEnv !== undefined) return fromEnv;
    if (!ctx.askSecret)
      throw new UserError(`${what} is encrypted: set TUFCI_KEY_PASSPHRASE or run in a terminal`);
    return ctx.askSecret(`Passphrase for ${what}: `);
  };
}

/**
 * The signer for a configuration: a key file, or a PKCS#11 token (`yubikey` is the same
 * method). The PKCS#11 addon is loaded only for the latter.
 */
export async function makeSigner(ctx: Ctx, cfg: SignerConfig): Promise<Signer> {
  if (cfg.method === 'keyfile') {
    if (!cfg.keyfile)
      throw new UserError(`signing method keyfile needs --keyfile or "keyfile" in ${CONFIG_FILE}`);
    return keyFileSigner(cfg.keyfile, passphraseSource(ctx, cfg.keyfile));
  }
  if (cfg.method === 'pkcs11' || cfg.method === 'yubikey')
    return (ctx.tokenSigner ?? (await import('./signers.js')).pkcs11SignerFor)(cfg, ctx);
  throw new UserError(
    `${CONFIG_FILE}: unknown signing-method "${cfg.method}" (use keyfile or pkcs11)`,
  );
}

export function repoOf(ctx: Ctx): RepoDir {
  return new RepoDir(ctx.cwd);
}

export function gitOf(ctx: Ctx): Git {
  return new Git(ctx.cwd, ctx.env);
}

/** The signing-event workflow's inputs for this checkout and configuration. */
export function eventIo(ctx: Ctx, cfg: SignerConfig): EventIo {
  return { git: gitOf(ctx), remotes: cfg, log: ctx.out };
}

/** Parses "@user=path/to/key.pub" pairs. */
export function parseKeyPairs(values: string[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of values ?? []) {
    const i = v.indexOf('=');
    if (i <= 0) throw new UsageError(`--key "${v}": expected @user=PATH_TO_PUBLIC_KEY`);
    out[normalizeUser(v.slice(0, i), '--key')] = v.slice(i + 1);
  }
  return out;
}
