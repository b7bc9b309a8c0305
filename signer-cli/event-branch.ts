import { knownGood, NO_BASE } from '../lib/event/base.js';
import type { Git } from '../lib/git/git.js';
import { UserError } from '../lib/errors.js';
import type { MetadataReader } from '../lib/tuf/repo.js';
import type { Ctx, SignerConfig } from './context.js';
import { gitOf } from './context.js';

export interface OpenEvent {
  git: Git;
  event: string;
  base: MetadataReader;
  defaultBranch: string;
  isNew: boolean;
}

export function checkEventName(event: string): void {
  if (!/^sign\/[A-Za-z0-9._/-]+$/.test(event) || event.includes('..')) {
    throw new UserError(`event "${event}": signing event branches are named sign/<name>`);
  }
}

/** Fetches the pull remote and checks out the event branch (new events start at the default branch). */
export async function openEvent(
  ctx: Ctx,
  cfg: SignerConfig,
  event: string,
  opts: { mustExist?: boolean } = {},
): Promise<OpenEvent> {
  checkEventName(event);
  const git = gitOf(ctx);
  const remote = cfg.pullRemote;
  // Sign and push only what was shown: refuse stray local files and unpushed commits,
  // which the checkout below would carry into the commit or silently throw away.
  const dirty = await git.changes(['metadata', 'targets']);
  if (dirty.length) {
    const list = dirty
      .slice(0, 5)
      .map((l) => l.slice(3))
      .join(', ');
    throw new UserError(
      `local changes in metadata/ or targets/ (${list}${dirty.length > 5 ? ', …' : ''}): commit, stash or remove them first, so that only what you are shown is signed and pushed`,
    );
  }
  await git.fetch(remote);
  const unpushed = await git.unpushedCommits(event, remote);
  if (unpushed) {
    throw new UserError(
      `local branch ${event} has ${unpushed} commit(s) that ${remote} does not have: push them or delete the local branch first (they would be lost)`,
    );
  }
  const defaultBranch = await git.defaultBranch(remote);
  const remoteEvent = `${remote}/${event}`;
  let isNew = false;
  if (await git.revExists(remoteEvent)) {
    await git.checkout(event, remoteEvent);
  } else if (opts.mustExist) {
    throw new UserError(`event ${event}: no such branch on remote ${remote}`);
  } else {
    const start = `${remote}/${defaultBranch}`;
    await git.checkout(event, (await git.revExists(start)) ? start : undefined);
    isNew = true;
  }
  const base = (await git.revExists(`${remote}/${defaultBranch}`))
    ? await knownGood(git, remote, defaultBranch)
    : NO_BASE;
  return { git, event, base, defaultBranch, isNew };
}

/** A browser URL that opens a PR from a fork's branch, for GitHub remotes. */
export function prUrl(
  pullUrl: string | undefined,
  pushUrl: string | undefined,
  branch: string,
  base: string,
): string | undefined {
  const slug = (u?: string): string | undefined =>
    /github\.com[:/]([^/]+\/[^/]+?)(?:\.git)?\/?$/.exec(u ?? '')?.[1];
  const up = slug(pullUrl);
  const fork = slug(pushUrl);
  if (!up || !fork) return undefined;
  return `https://github.com/${up}/compare/${base}...${fork.split('/')[0]}:${encodeURIComponent(branch)}?expand=1`;
}

/** Commits metadata changes on the event branch and pushes them to the push remote. */
export async function commitAndPush(
  ctx: Ctx,
  cfg: SignerConfig,
  ev: OpenEvent,
  message: string,
  push: boolean,
): Promise<boolean> {
  const committed = await ev.git.commit(message, ['metadata']);
  if (!committed) return false;
  if (!push) {
    ctx.out(`Committed on ${ev.event} (not pushed: --no-push).`);
    return true;
  }
  await ev.git.push(cfg.pushRemote, ev.event);
  ctx.out(`Pushed ${ev.event} to ${cfg.pushRemote}.`);
  if (cfg.pushRemote !== cfg.pullRemote) {
    const url = prUrl(
      await ev.git.remoteUrl(cfg.pullRemote),
      await ev.git.remoteUrl(cfg.pushRemote),
      ev.event,
      ev.event,
    );
    ctx.out(
      url
        ? `Open a pull request: ${url}`
        : `Open a pull request from ${cfg.pushRemote} ${ev.event} into ${cfg.pullRemote} ${ev.event}.`,
    );
  }
  return true;
}
