import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { stringify } from 'yaml';
import { generateKey } from '../../lib/signers/keyfile.js';
import type { KeyType } from '../../lib/signers/keyfile.js';
import { UsageError, UserError, isTufciError } from '../../lib/errors.js';
import { normalizeUser } from '../../lib/event/invites.js';
import { keyId } from '../../lib/tuf/keys.js';
import { writeUserFile } from '../../lib/util/fs.js';
import type { Ctx } from '../context.js';
import { gitOf } from '../context.js';
import { CONFIG_FILE } from '../definitions.js';
import { parseKeyChoice } from '../signers.js';

export interface GenOpts {
  type: string;
  out: string;
  noPassphrase?: boolean;
  passphrase: boolean;
}

/** `tufci key generate`. */
export async function generateCommand(ctx: Ctx, o: GenOpts): Promise<void> {
  if (o.type !== 'ed25519' && o.type !== 'ecdsa')
    throw new UsageError(`--type "${o.type}": use ed25519 or ecdsa`);
  const out = resolve(ctx.cwd, o.out);
  if (existsSync(out)) throw new UserError(`--out ${o.out}: file exists; not overwriting a key`);
  let passphrase: string | undefined;
  if (o.passphrase) {
    passphrase = ctx.env.TUFCI_KEY_PASSPHRASE ?? (await askNewPassphrase(ctx));
    if (!passphrase)
      throw new UserError(
        'a passphrase is needed: set TUFCI_KEY_PASSPHRASE, run in a terminal, or pass --no-passphrase',
      );
  }
  const k = generateKey(o.type as KeyType, passphrase);
  // Modes are set explicitly: a permissive umask must not make the key readable.
  writeUserFile(out, k.privatePem, { mode: 0o600, exclusive: true });
  writeUserFile(`${out}.pub`, k.publicPem, { mode: 0o644 });
  ctx.out(
    `Wrote ${o.out} (${passphrase ? 'encrypted' : 'unencrypted'}) and ${o.out}.pub; keyid ${keyId(k.tufKey)}`,
  );
}

export interface SetupOpts {
  user: string;
  keyfile?: string;
  method?: string;
  pullRemote: string;
  pushRemote?: string;
  pkcs11Module?: string;
  pkcs11Key?: string;
}

/** `tufci setup`. */
export async function setupCommand(ctx: Ctx, o: SetupOpts): Promise<void> {
  const method = o.method ?? (o.keyfile ? 'keyfile' : 'pkcs11');
  if (!['keyfile', 'pkcs11', 'yubikey'].includes(method))
    throw new UsageError(`--method "${method}": use keyfile or pkcs11 (YubiKey)`);
  if (method === 'keyfile' && !o.keyfile)
    throw new UserError('--method keyfile needs --keyfile <path>');
  if (o.pkcs11Key !== undefined) parseKeyChoice(o.pkcs11Key, '--pkcs11-key');
  const cfg: Record<string, string> = {
    'user-name': normalizeUser(o.user, '--user'),
    'signing-method': method,
    'pull-remote': o.pullRemote,
    'push-remote': o.pushRemote ?? o.pullRemote,
  };
  if (o.keyfile) cfg.keyfile = o.keyfile;
  if (o.pkcs11Module) cfg['pkcs11-module'] = o.pkcs11Module;
  if (o.pkcs11Key) cfg['pkcs11-key'] = o.pkcs11Key;
  writeUserFile(resolve(ctx.cwd, CONFIG_FILE), stringify(cfg));
  ctx.out(`Wrote ${CONFIG_FILE}.`);
  await excludeSettings(ctx);
  if (method !== 'keyfile')
    ctx.out('Check that tufci sees your YubiKey (or token) with `tufci key list`.');
}

/**
 * Keeps the settings out of git in this clone, whatever the repository's .gitignore
 * says: `.tufci.yaml` in `.git/info/exclude` (once).
 */
async function excludeSettings(ctx: Ctx): Promise<void> {
  let path: string;
  try {
    path = await gitOf(ctx).gitPath('info/exclude');
  } catch (e) {
    if (!isTufciError(e, 'git')) throw e;
    ctx.out(`Not a git clone: add ${CONFIG_FILE} to the clone's .git/info/exclude yourself.`);
    return;
  }
  const text = existsSync(path) ? readFileSync(path, 'utf8') : '';
  if (text.split('\n').some((l) => l.trim() === CONFIG_FILE)) return;
  mkdirSync(dirname(path), { recursive: true });
  appendFileSync(path, `${text && !text.endsWith('\n') ? '\n' : ''}${CONFIG_FILE}\n`);
  ctx.out(`Added ${CONFIG_FILE} to .git/info/exclude: your settings stay out of commits.`);
}

/** Asks for a new passphrase twice at a terminal, so a typo cannot lock the key away. */
async function askNewPassphrase(ctx: Ctx): Promise<string | undefined> {
  if (!ctx.askSecret) return undefined;
  const first = await ctx.askSecret('New passphrase: ');
  if (!first) return undefined;
  const again = await ctx.askSecret('Repeat the passphrase: ');
  if (again !== first) throw new UserError('the passphrases differ; no key was written');
  return first;
}
