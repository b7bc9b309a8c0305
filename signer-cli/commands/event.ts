import { eventUpdateTask } from '../../lib/ci/tasks.js';
import type { Ctx } from '../context.js';
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
