import type { Command } from 'commander';
import { bumped, expiringRoles } from '../../lib/event/expiring.js';
import { onlineSigner } from '../../lib/signers/online.js';
import { onlineSign } from '../../lib/tuf/online.js';
import { withRollback } from '../../lib/util/transaction.js';
import type { Ctx } from '../context.js';
import { gitOf, repoOf } from '../context.js';

interface OnlineOpts {
  commit: boolean;
  push: boolean;
  remote: string;
}

export async function onlineSignCommand(ctx: Ctx, o: OnlineOpts): Promise<string[]> {
  const repo = repoOf(ctx);
  const git = gitOf(ctx);
  const res = await withRollback(ctx.cwd, ['metadata'], () =>
    onlineSign(
      repo,
      (uri) => onlineSigner(uri, { env: ctx.env, schemes: ctx.onlineSchemes }),
      ctx.now(),
    ),
  );
  if (!res.written.length) {
    ctx.out('snapshot and timestamp are current; nothing to sign.');
    return [];
  }
  for (const r of res.reasons) ctx.out(`re-signing ${r}`);
  if (o.commit) {
    await git.commit(`Online signing: ${res.written.join(', ')}`, ['metadata']);
    if (o.push) await git.push(o.remote, await git.currentBranch());
  }
  ctx.out(`Signed ${res.written.join(', ')} with the online key.`);
  return res.written;
}

interface BumpOpts {
  remote: string;
  push: boolean;
}

export async function bumpExpiringCommand(ctx: Ctx, o: BumpOpts): Promise<string[]> {
  const repo = repoOf(ctx);
  const git = gitOf(ctx);
  const start = await git.currentBranch();
  const existing = new Set(o.push ? await git.remoteBranches(o.remote) : []);
  const created: string[] = [];
  const root = repo.root().signed;
  for (const e of expiringRoles(repo, ctx.now())) {
    if (existing.has(e.branch)) {
      ctx.out(`${e.role} expires ${e.expires}: ${e.branch} already exists, skipped.`);
      continue;
    }
    const env = repo.readRole(e.role);
    await git.checkout(e.branch, start);
    repo.writeRole(e.role, bumped(env, e.role, root, ctx.now()));
    await git.commit(`Expiry bump for ${e.role}: version ${e.version + 1}`, ['metadata']);
    if (o.push) await git.push(o.remote, e.branch);
    await git.checkout(start);
    created.push(e.branch);
    ctx.out(`${e.role} expires ${e.expires}: opened ${e.branch}.`);
  }
  if (!created.length) ctx.out('No offline role is in its signing period.');
  return created;
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
    .action(async (o: OnlineOpts) => {
      await onlineSignCommand(ctx, o);
    });
  program
    .command('bump-expiring')
    .description('open a sign/bump-<role>-v<N> branch for each offline role in its signing period')
    .option('--remote <name>', 'remote to push the branches to', 'origin')
    .option('--no-push', 'create branches locally only')
    .action(async (o: BumpOpts) => {
      await bumpExpiringCommand(ctx, o);
    });
}
