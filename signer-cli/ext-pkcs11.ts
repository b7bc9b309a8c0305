import type { Command } from 'commander';
import type { Ctx } from './context.js';

/** The `pkcs11` signing method (YubiKey PIV via ykcs11) and `pkcs11:` online keys. */
export function registerPkcs11(ctx: Ctx): void {
  void ctx;
}

/** PKCS#11 subcommands (e.g. `key list`). */
export function registerPkcs11Commands(program: Command, ctx: Ctx): void {
  void program;
  void ctx;
}
