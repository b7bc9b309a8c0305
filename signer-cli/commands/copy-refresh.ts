/**
 * `tufci copy --refresh`: brings every imported role (`import-<name>`, from `tufci copy
 * --signatures original`) on the checked-out branch up to the source's newer version, and
 * commits (and pushes) it there: run on the default branch on a schedule, before
 * online-sign (the online-sign action does it by itself), so the import never expires at
 * the destination. See lib/event/import-refresh.ts for what is checked.
 */
import { UserError } from '../../lib/errors.js';
import { refreshFailure, refreshImports as refresh } from '../../lib/event/import-refresh.js';
import type { Ctx } from '../context.js';
import { repoOf } from '../context.js';
import { registryAccess } from '../registry-flags.js';
import type { CopyOpts } from './copy.js';

export async function refreshImports(ctx: Ctx, o: CopyOpts): Promise<void> {
  if (!repoOf(ctx).has('root'))
    throw new UserError(
      `${ctx.cwd}: no TUF repository here (metadata/root.json missing); run tufci copy --refresh in a clone of the destination repository`,
    );
  const push = o.push ? (o.pushRemote ?? 'origin') : undefined;
  const r = await refresh(
    {
      dir: ctx.cwd,
      env: ctx.env,
      now: ctx.now(),
      out: ctx.out,
      registry: (hosts) => registryAccess(ctx, o, hosts),
    },
    push === undefined ? {} : { push },
  );
  if (!r.any) {
    ctx.out('No imported role here; nothing to refresh.');
    return;
  }
  if (r.refreshed.length)
    ctx.out(
      `Committed${push ? ' and pushed' : ''} ${r.refreshed.join(', ')}; online-sign lists them in snapshot.`,
    );
  if (r.failures.length) throw refreshFailure(r);
}
