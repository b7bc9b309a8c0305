import { chmodSync, existsSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { stringify } from 'yaml';
import { generateKey } from '../../lib/signers/keyfile.js';
import type { KeyType } from '../../lib/signers/keyfile.js';
import { UsageError, UserError } from '../../lib/errors.js';
import { normalizeUser } from '../../lib/event/invites.js';
import { keyId } from '../../lib/tuf/keys.js';
import type { Ctx } from '../context.js';
import { CONFIG_FILE } from '../context.js';
import { parseKeyChoice } from '../signers.js';
import { registerPkcs11KeyCommands } from './pkcs11-keys.js';

interface GenOpts {
  type: string;
  out: string;
  noPassphrase?: boolean;
  passphrase: boolean;
}

export function registerKey(program: Command, ctx: Ctx): void {
  const key = program.command('key').description('manage signing keys');
  key
    .command('generate')
    .description('generate a key file (encrypted PKCS#8 PEM) and its public key (<out>.pub)')
    .option('--type <type>', 'ed25519 or ecdsa (P-256)', 'ecdsa')
    .requiredOption('--out <file>', 'private key file to write')
    .option(
      '--no-passphrase',
      'store the private key unencrypted (online keys kept in CI secrets only)',
    )
    .action(async (o: GenOpts) => {
      if (o.type !== 'ed25519' && o.type !== 'ecdsa')
        throw new UsageError(`--type "${o.type}": use ed25519 or ecdsa`);
      const out = resolve(ctx.cwd, o.out);
      if (existsSync(out))
        throw new UserError(`--out ${o.out}: file exists; not overwriting a key`);
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
      writeFileSync(out, k.privatePem, { mode: 0o600, flag: 'wx' });
      chmodSync(out, 0o600);
      writeFileSync(`${out}.pub`, k.publicPem, { mode: 0o644 });
      chmodSync(`${out}.pub`, 0o644);
      ctx.out(
        `Wrote ${o.out} (${passphrase ? 'encrypted' : 'unencrypted'}) and ${o.out}.pub; keyid ${keyId(k.tufKey)}`,
      );
    });
  registerPkcs11KeyCommands(key, ctx);
}

interface SetupOpts {
  user: string;
  keyfile?: string;
  method?: string;
  pullRemote: string;
  pushRemote?: string;
  pkcs11Module?: string;
  pkcs11Key?: string;
}

export function registerSetup(program: Command, ctx: Ctx): void {
  program
    .command('setup')
    .description(`write your signer settings to ${CONFIG_FILE} (git-ignored)`)
    .requiredOption('--user <@name>', 'your GitHub user name')
    .option('--keyfile <path>', 'your key file (signing method keyfile)')
    .option('--method <method>', 'keyfile or pkcs11 (YubiKey)')
    .option('--pull-remote <name>', 'remote to fetch signing events from', 'origin')
    .option('--push-remote <name>', 'remote to push signatures to (your fork)')
    .option('--pkcs11-module <path>', 'PKCS#11 module (default: ykcs11)')
    .option(
      '--pkcs11-key <key>',
      'token key: 9c (PIV slot 9c, the default), id:HEX, a label, or a pkcs11: URI',
    )
    .action(async (o: SetupOpts) => {
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
      writeFileSync(resolve(ctx.cwd, CONFIG_FILE), stringify(cfg));
      ctx.out(`Wrote ${CONFIG_FILE}.`);
      if (method !== 'keyfile')
        ctx.out('Check that tufci sees your YubiKey (or token) with `tufci key list`.');
    });
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
