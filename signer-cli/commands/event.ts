import { knownGood } from '../../lib/event/base.js';
import { eventReport } from '../../lib/event/report.js';
import { statusMarkdown, statusText } from '../../lib/event/render.js';
import { eventUpdateTask } from '../../lib/ci/tasks.js';
import type { Ctx } from '../context.js';
import { gitOf, repoOf } from '../context.js';
import { taskEnv } from './online.js';

export interface EventUpdateOpts {
  remote: string;
  defaultBranch?: string;
  push: boolean;
  commit: boolean;
}

/** `tufci event update`. */
export async function eventUpdateCommand(ctx: Ctx, o: EventUpdateOpts): Promise<void> {
  await eventUpdateTask(taskEnv(ctx, o.remote), o);
}

export interface StatusOpts {
  remote: string;
  defaultBranch?: string;
  json?: boolean;
  markdown?: boolean;
}

/** `tufci status`. */
export async function statusCommand(ctx: Ctx, o: StatusOpts): Promise<void> {
  const git = gitOf(ctx);
  const base = await knownGood(git, o.remote, o.defaultBranch);
  const report = await eventReport(repoOf(ctx), base, ctx.now());
  const event = await git.currentBranch();
  if (o.json)
    ctx.out(JSON.stringify({ event, ...report.status, changes: report.changes }, null, 2));
  else if (o.markdown) ctx.out(statusMarkdown({ event, ...report }));
  else for (const l of statusText(event, report.status, report.outOfSync)) ctx.out(l);
}
