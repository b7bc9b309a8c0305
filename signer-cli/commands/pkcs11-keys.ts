/**
 * `tufci key list`: the keys each token holds and the roles each signs for in the
 * checked-out repository; `tufci key public`: the public key as PEM of a token key or
 * of an online key URI (awskms:…, pkcs11:…, file:…), for `init --online-key` or
 * `--key @user=FILE`. Both read public objects only: no PIN.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { listTokenKeys, Pkcs11Signer } from '../../lib/signers/pkcs11/signer.js';
import { UsageError, UserError } from '../../lib/errors.js';
import { onlinePublicKey } from '../../lib/signers/online/index.js';
import { keyId, publicPemOf } from '../../lib/tuf/keys.js';
import { writeUserFile } from '../../lib/util/fs.js';
import type { Ctx } from '../context.js';
import { parseKeyChoice, pkcs11ModulePath } from '../signers.js';
import { formatKeyRoles, keyUses, pkcs11Settings } from '../token-keys.js';

export interface ListOpts {
  module?: string;
  json?: boolean;
}

export interface PublicOpts {
  module?: string;
  key?: string;
  out?: string;
}

/** `tufci key list`. */
export async function keyListCommand(ctx: Ctx, o: ListOpts): Promise<void> {
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
}

/** `tufci key public [URI]`: a token key, or the key behind an online key URI. */
export async function keyPublicCommand(
  ctx: Ctx,
  uri: string | undefined,
  o: PublicOpts,
): Promise<void> {
  if (uri !== undefined) {
    if (o.key || o.module) throw new UsageError('give either an online key URI or --key/--module');
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
}

/** Prints the PEM, or writes it to `out` (never over an existing file) and says what it is. */
function writePublic(ctx: Ctx, pem: string, out: string | undefined, what: string, uri: string) {
  if (!out) {
    ctx.out(pem.replace(/\n$/, ''));
    return;
  }
  const path = resolve(ctx.cwd, out);
  if (existsSync(path)) throw new UserError(`--out ${out}: file exists; not overwriting`);
  writeUserFile(path, pem, { exclusive: true });
  ctx.out(`Wrote ${out}: ${what}`);
  ctx.out(`Online key URI: ${uri}`);
}
