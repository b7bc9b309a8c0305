import type { Command } from 'commander';
import { onlineSignTask } from '../../lib/ci/online-sign.js';
import { bumpExpiringTask } from '../../lib/ci/tasks.js';
import type { TaskEnv } from '../../lib/ci/tasks.js';
import type { Ctx } from '../context.js';

export function taskEnv(ctx: Ctx, remote?: string): TaskEnv {
  return { dir: ctx.cwd, env: ctx.env, now: ctx.now(), log: ctx.out, remote };
}

interface OnlineSignOpts {
  commit: boolean;
  push: boolean;
  remote: string;
  onlineUri?: string;
}

export function registerOnline(program: Command, ctx: Ctx): void {
  program
    .command('online-sign')
    .description(
      'sign new snapshot and timestamp with the online key, only when needed (run on the default branch)',
    )
    .option('--no-commit', 'write files but do not commit')
    .option('--push', 'push after committing', false)
    .option('--remote <name>', 'remote to push to', 'origin')
    .option(
      '--online-uri <uri>',
      "sign with this online key URI instead of root's x-tuf-on-ci-online-uri (same key)",
    )
    .action(async (o: OnlineSignOpts) => {
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
    });
  program
    .command('bump-expiring')
    .description('open a sign/bump-<role>-v<N> branch for each offline role in its signing period')
    .option('--remote <name>', 'remote to push the branches to', 'origin')
    .option('--no-push', 'create branches locally only')
    .action(async (o: { remote: string; push: boolean }) => {
      await bumpExpiringTask(taskEnv(ctx, o.remote), o);
    });
}
