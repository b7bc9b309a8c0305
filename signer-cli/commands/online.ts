import { bumpExpiringTask, onlineSignTask } from '../../lib/ci/tasks.js';
import type { TaskEnv } from '../../lib/ci/tasks.js';
import type { Ctx } from '../context.js';

export function taskEnv(ctx: Ctx, remote?: string): TaskEnv {
  return { dir: ctx.cwd, env: ctx.env, now: ctx.now(), log: ctx.out, remote };
}

export interface OnlineSignOpts {
  commit: boolean;
  push: boolean;
  remote: string;
}

/** `tufci online-sign`; the PKCS#11 addon is loaded only for a `pkcs11:` online key. */
export async function onlineSignCommand(ctx: Ctx, o: OnlineSignOpts): Promise<void> {
  await onlineSignTask(taskEnv(ctx, o.remote), {
    ...o,
    schemes: {
      pkcs11: async (uri) => (await import('../signers.js')).onlinePkcs11Signer(uri, ctx),
    },
  });
}

export interface BumpOpts {
  remote: string;
  push: boolean;
}

/** `tufci bump-expiring`. */
export async function bumpExpiringCommand(ctx: Ctx, o: BumpOpts): Promise<void> {
  await bumpExpiringTask(taskEnv(ctx, o.remote), o);
}
