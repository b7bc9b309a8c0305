import { onlineSignTask } from '../../lib/ci/online-sign.js';
import { bumpExpiringTask } from '../../lib/ci/tasks.js';
import type { TaskEnv } from '../../lib/ci/tasks.js';
import type { Ctx } from '../context.js';

export function taskEnv(ctx: Ctx, remote?: string): TaskEnv {
  return { dir: ctx.cwd, env: ctx.env, now: ctx.now(), log: ctx.out, remote };
}

export interface OnlineSignOpts {
  commit: boolean;
  push: boolean;
  remote: string;
  onlineUri?: string;
}

/** `tufci online-sign`; each key scheme loads its own modules (pkcs11js, the AWS SDK) when used. */
export async function onlineSignCommand(ctx: Ctx, o: OnlineSignOpts): Promise<void> {
  await onlineSignTask(taskEnv(ctx, o.remote), {
    commit: o.commit,
    push: o.push,
    ...(o.onlineUri ? { uri: o.onlineUri, uriFrom: '--online-uri' } : {}),
    signer: {
      platform: process.platform,
      ...(ctx.askSecret ? { askSecret: ctx.askSecret } : {}),
      ...(ctx.isTTY || ctx.askSecret ? { notify: (m: string) => ctx.err(m) } : {}),
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
