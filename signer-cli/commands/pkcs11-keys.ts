/**
 * `tufci key list`: the keys each token holds and the roles each signs for in the
 * checked-out repository; `tufci key public`: a token key's public key as PEM, for
 * `init --online-key` or `--key @user=FILE`. Both read public objects only: no PIN.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { listTokenKeys, Pkcs11Signer } from '../../lib/signers/pkcs11/signer.js';
import { UserError } from '../../lib/errors.js';
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

/** `tufci key public`. */
export async function keyPublicCommand(ctx: Ctx, o: PublicOpts): Promise<void> {
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
  const pem = info.key.keyval.public;
  if (o.out) {
    const out = resolve(ctx.cwd, o.out);
    if (existsSync(out)) throw new UserError(`--out ${o.out}: file exists; not overwriting`);
    writeFileSync(out, pem.endsWith('\n') ? pem : `${pem}\n`);
    ctx.out(`Wrote ${o.out}: ${signer.description}, keyid ${info.keyid}`);
    ctx.out(`Online key URI: ${info.uri}`);
  } else {
    ctx.out(pem.replace(/\n$/, ''));
  }
}
