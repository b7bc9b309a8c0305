import type { Command } from 'commander';
import { bumpExpiringTask, onlineSignTask } from '../../lib/ci/tasks.js';
import type { TaskEnv } from '../../lib/ci/tasks.js';
import type { Ctx } from '../context.js';
import { onlinePkcs11Signer } from '../signers.js';

export function taskEnv(ctx: Ctx, remote?: string): TaskEnv {
  return { dir: ctx.cwd, env: ctx.env, now: ctx.now(), log: ctx.out, remote };
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
    .action(async (o: { commit: boolean; push: boolean; remote: string }) => {
      await onlineSignTask(taskEnv(ctx, o.remote), {
        ...o,
        schemes: { pkcs11: (uri) => onlinePkcs11Signer(uri, ctx) },
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
