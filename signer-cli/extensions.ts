import type { Ctx } from './context.js';
import { registerOci } from './ext-oci.js';
import { registerPkcs11 } from './ext-pkcs11.js';

/** Wires the optional signing methods and destinations (PKCS#11, OCI) into the CLI context. */
export function registerExtensions(ctx: Ctx): void {
  registerPkcs11(ctx);
  registerOci(ctx);
}
