import type { Command } from 'commander';
import { knownGood } from '../../lib/event/base.js';
import { eventReport } from '../../lib/event/report.js';
import { statusMarkdown, statusText } from '../../lib/event/render.js';
import { eventUpdateTask } from '../../lib/ci/tasks.js';
import type { Ctx } from '../context.js';
import { gitOf, repoOf } from '../context.js';
import { taskEnv } from './online.js';

export function registerEvent(program: Command, ctx: Ctx): void {
  const ev = program
    .command('event')
    .description('signing-event tasks that CI runs on sign/* branches');
  ev.command('update')
    .description(
      'sync targets metadata with targets/, bump each changed role once per event, commit (idempotent)',
    )
    .option('--remote <name>', 'remote that has the default branch', 'origin')
    .option('--default-branch <name>', 'default branch (default: the remote HEAD)')
    .option('--no-commit', 'write files but do not commit')
    .option('--push', 'push the branch after committing', false)
    .action(
      async (o: { remote: string; defaultBranch?: string; push: boolean; commit: boolean }) => {
        await eventUpdateTask(taskEnv(ctx, o.remote), o);
      },
    );
}

interface StatusOpts {
  remote: string;
  defaultBranch?: string;
  json?: boolean;
  markdown?: boolean;
}

export function registerStatus(program: Command, ctx: Ctx): void {
  program
    .command('status')
    .description(
      'who signed, who is missing and the threshold for each role changed in the checked-out event',
    )
    .option('--remote <name>', 'remote that has the default branch', 'origin')
    .option('--default-branch <name>', 'default branch (default: the remote HEAD)')
    .option('--json', 'print the status as JSON')
    .option('--markdown', 'print the report as markdown (as in the PR comment)')
    .action(async (o: StatusOpts) => {
      const git = gitOf(ctx);
      const base = await knownGood(git, o.remote, o.defaultBranch);
      const report = await eventReport(repoOf(ctx), base, ctx.now());
      const event = await git.currentBranch();
      if (o.json)
        ctx.out(JSON.stringify({ event, ...report.status, changes: report.changes }, null, 2));
      else if (o.markdown) ctx.out(statusMarkdown({ event, ...report }));
      else for (const l of statusText(event, report.status, report.outOfSync)) ctx.out(l);
    });
}
