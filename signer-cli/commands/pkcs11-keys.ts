/**
 * `tufci key list`: the keys each token holds and the roles each signs for in the
 * checked-out repository; `tufci key public`: the public key as PEM of a token key or
 * of an online key URI (awskms:…, pkcs11:…, file:…), for `init --online-key` or
 * `--key @user=FILE`. Both read public objects only: no PIN.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { listTokenKeys, Pkcs11Signer } from '../../lib/signers/pkcs11/signer.js';
import { UserError } from '../../lib/errors.js';
import { onlinePublicKey } from '../../lib/signers/online/index.js';
import { keyId, publicPemOf } from '../../lib/tuf/keys.js';
import type { Ctx } from '../context.js';
import { parseKeyChoice, pkcs11ModulePath } from '../signers.js';
import { formatKeyRoles, keyUses, pkcs11Settings } from '../token-keys.js';

interface ListOpts {
  module?: string;
  json?: boolean;
}

interface PublicOpts {
  module?: string;
  key?: string;
  out?: string;
}

/** `key list` and `key public`, under the `key` command. */
export function registerPkcs11KeyCommands(key: Command, ctx: Ctx): void {
  key
    .command('list')
    .description(
      'list the keys on each PKCS#11 token (YubiKey) and the roles each signs for in this repository',
    )
    .option('--module <path>', 'PKCS#11 module (default: pkcs11-module in .tufci.yaml, or ykcs11)')
    .option('--json', 'machine-readable output')
    .action(async (o: ListOpts) => {
      const settings = pkcs11Settings(ctx);
      const modulePath = pkcs11ModulePath(o.module ?? settings.module, ctx.cwd);
      const listings = await listTokenKeys(modulePath);
      const uses = keyUses(ctx.cwd);
      if (o.json) {
        const withRoles = listings.map((t) => ({
          ...t,
          keys: t.keys.map((k) => {
            const use = k.keyid && uses ? uses.get(k.keyid) : undefined;
            return { ...k, roles: use?.roles ?? [], ...(use?.owner ? { owner: use.owner } : {}) };
          }),
        }));
        ctx.out(JSON.stringify({ module: modulePath, tokens: withRoles }, null, 2));
        return;
      }
      ctx.out(formatKeyRoles(listings, uses));
    });
  key
    .command('public')
    .description(
      'print (or --out) the public key PEM of a token key or an online key URI, e.g. for init --online-key or --key @user=FILE',
    )
    .argument('[uri]', 'an online key URI: awskms:KEY, pkcs11:…, file:PATH or envvar:NAME')
    .option('--module <path>', 'PKCS#11 module (default: pkcs11-module in .tufci.yaml, or ykcs11)')
    .option(
      '--key <key>',
      'the key: 9c (PIV default), id:HEX, a label, or a pkcs11: URI (default: pkcs11-key in .tufci.yaml)',
    )
    .option('--out <file>', 'write the PEM to this file instead of printing it')
    .action(async (uri: string | undefined, o: PublicOpts) => {
      if (uri !== undefined) {
        if (o.key || o.module)
          throw new UserError('give either an online key URI or --key/--module');
        const key = await onlinePublicKey(uri, { env: ctx.env, platform: process.platform });
        writePublic(ctx, publicPemOf(key), o.out, `${uri}, keyid ${keyId(key)}`, uri);
        return;
      }
      const settings = pkcs11Settings(ctx);
      const choice = parseKeyChoice(o.key ?? settings.key, o.key ? '--key' : 'pkcs11-key');
      const signer = new Pkcs11Signer({
        modulePath: choice.modulePath ?? pkcs11ModulePath(o.module ?? settings.module, ctx.cwd),
        ...(choice.token === undefined ? {} : { token: choice.token }),
        key: choice.key,
        pin: async (r) => {
          throw new UserError(
            `The key is not visible on token "${r.token}" without the PIN; ` +
              `import its public key (or certificate) next to it.`,
          );
        },
      });
      const info = await signer.keyInfo();
      const what = `${signer.description}, keyid ${info.keyid}`;
      writePublic(ctx, publicPemOf(info.key), o.out, what, info.uri);
    });
}

/** Prints the PEM, or writes it to `out` (never over an existing file) and says what it is. */
function writePublic(ctx: Ctx, pem: string, out: string | undefined, what: string, uri: string) {
  if (!out) {
    ctx.out(pem.replace(/\n$/, ''));
    return;
  }
  const path = resolve(ctx.cwd, out);
  if (existsSync(path)) throw new UserError(`--out ${out}: file exists; not overwriting`);
  writeFileSync(path, pem);
  ctx.out(`Wrote ${out}: ${what}`);
  ctx.out(`Online key URI: ${uri}`);
}
