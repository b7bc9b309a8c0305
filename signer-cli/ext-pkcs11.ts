import type { Command } from 'commander';
import type { Ctx } from './context.js';
import { registerPkcs11KeyCommands } from './commands/pkcs11-keys.js';
import { onlinePkcs11Signer, pkcs11SignerFor } from './commands/pkcs11-signer.js';

/**
 * The `pkcs11` signing method (YubiKey PIV via ykcs11; `yubikey` is the same method)
 * and `pkcs11:` online keys (a CI-attached HSM) named by `x-tuf-on-ci-online-uri`.
 */
export function registerPkcs11(ctx: Ctx): void {
  ctx.signerFactories = {
    ...ctx.signerFactories,
    pkcs11: pkcs11SignerFor,
    yubikey: pkcs11SignerFor,
  };
  ctx.onlineSchemes = {
    ...ctx.onlineSchemes,
    pkcs11: (uri) => onlinePkcs11Signer(uri, ctx),
  };
}

/** PKCS#11 subcommands: `key list` and `key public`. */
export function registerPkcs11Commands(program: Command, ctx: Ctx): void {
  registerPkcs11KeyCommands(program, ctx);
}
