import { GitRevReader, knownGood } from '../../lib/event/base.js';
import { importedExpiry, rolesToBump } from '../../lib/event/expiring.js';
import { allEventsGuide, defaultBranchGuide, eventGuide } from '../../lib/event/guide.js';
import type { Guide } from '../../lib/event/guide.js';
import { behindDefault, openEvents } from '../../lib/event/open-events.js';
import { statusMarkdown, statusText } from '../../lib/event/render.js';
import { eventReport } from '../../lib/event/report.js';
import type { Git } from '../../lib/git/git.js';
import { UsageError } from '../../lib/errors.js';
import type { Ctx } from '../context.js';
import { gitOf, repoOf, settingsUser } from '../context.js';

export interface StatusOpts {
  remote: string;
  defaultBranch?: string;
  json?: boolean;
  markdown?: boolean;
  fetch: boolean;
  all?: boolean;
}

async function defaultBranchOf(git: Git, o: StatusOpts): Promise<string> {
  if (o.defaultBranch) return o.defaultBranch;
  if (!o.fetch) {
    const known = await git.fetchedDefaultBranch(o.remote);
    if (known) return known;
  }
  return git.defaultBranch(o.remote);
}

function print(ctx: Ctx, body: string[], g: Guide): void {
  for (const l of [...body, ...g.lines]) ctx.out(l);
  ctx.out(g.next);
}

/** `tufci status`: the event checked out, the default branch, or (--all) every open event. */
export async function statusCommand(ctx: Ctx, o: StatusOpts): Promise<void> {
  if (!/^[A-Za-z0-9._-]+$/.test(o.remote))
    throw new UsageError(`--remote "${o.remote}": not a remote name`);
  if (o.all && o.markdown) throw new UsageError('--all and --markdown: choose one');
  const git = gitOf(ctx);
  if (o.fetch) await git.fetch(o.remote);
  const defaultBranch = await defaultBranchOf(git, o);
  const user = settingsUser(ctx);
  if (o.all) {
    const events = await openEvents(git, o.remote, defaultBranch);
    const g = allEventsGuide(events, user);
    if (o.json) ctx.out(JSON.stringify({ events, next: g.next }, null, 2));
    else print(ctx, [], g);
    return;
  }
  const branch = await git.currentBranch();
  const repo = repoOf(ctx);
  if (!branch.startsWith('sign/')) {
    const due = rolesToBump(repo, ctx.now());
    const imports = importedExpiry(repo, ctx.now());
    const open = (await openEvents(git, o.remote, defaultBranch)).map((e) => e.event);
    const g = defaultBranchGuide(branch, due, open);
    if (o.json)
      ctx.out(
        JSON.stringify(
          { event: null, branch, due: due.map((d) => d.health), imports, next: g.next },
          null,
          2,
        ),
      );
    else {
      const lines = imports.length
        ? [
            'Imported roles (the source signs them; `tufci copy --refresh` brings its newer versions, nobody here signs):',
            ...imports.map(
              (i) =>
                `  ${i.role} v${i.version}: role "${i.sourceRole}" of ${i.repository}, expires ${i.expires}${i.due ? ' (DUE: the source has not published a newer version, or the refresh has not run)' : ''}`,
            ),
          ]
        : [];
      print(ctx, [], { ...g, lines: [...g.lines, ...lines] });
    }
    return;
  }
  const base = await knownGood(git, o.remote, defaultBranch);
  const report = await eventReport(repo, base, ctx.now(), branch);
  const tip = new GitRevReader(git, `${o.remote}/${defaultBranch}`);
  const changed = report.status.roles.map((r) => r.role);
  const behind = base.rev ? await behindDefault(changed, base, tip) : [];
  const g = eventGuide({
    event: branch,
    status: report.status,
    outOfSync: report.outOfSync,
    behind,
    user,
    remote: o.remote,
    defaultBranch,
  });
  if (o.json)
    ctx.out(
      JSON.stringify(
        { event: branch, ...report.status, changes: report.changes, behind, next: g.next },
        null,
        2,
      ),
    );
  else if (o.markdown) ctx.out(statusMarkdown({ event: branch, ...report }));
  else print(ctx, statusText(branch, report.status, report.outOfSync), g);
}
