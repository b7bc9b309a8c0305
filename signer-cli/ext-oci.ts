import type { Command } from 'commander';
import type { Ctx } from './context.js';

/** OCI destinations (`oci://`, `oci-layout:`) for publish, and OCI artifact verification. */
export function registerOci(ctx: Ctx): void {
  void ctx;
}

/** OCI subcommands (e.g. `add-artifact`). */
export function registerOciCommands(program: Command, ctx: Ctx): void {
  void program;
  void ctx;
}
