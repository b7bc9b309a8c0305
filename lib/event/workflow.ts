/** The signing-event workflow a signer runs: open the event branch, commit, push, PR hint. */
import { UserError } from '../errors.js';
import type { Git } from '../git/git.js';
import type { MetadataReader } from '../tuf/repo.js';
import { knownGood, NO_BASE } from './base.js';

/** Where events are fetched from and pushed to (a fork when they differ). */
interface EventRemotes {
  pullRemote: string;
  pushRemote: string;
}

/** What the workflow is given: the checkout's git, the remotes and a log. */
export interface EventIo {
  git: Git;
  remotes: EventRemotes;
  log: (line: string) => void;
}

export interface OpenEvent {
  git: Git;
  event: string;
  base: MetadataReader;
  defaultBranch: string;
  isNew: boolean;
}

function checkEventName(event: string): void {
  if (!/^sign\/[A-Za-z0-9._/-]+$/.test(event) || event.includes('..')) {
    throw new UserError(`event "${event}": signing event branches are named sign/<name>`);
  }
}

/** Fetches the pull remote and checks out the event branch (new events start at the default branch). */
export async function openEvent(
  io: EventIo,
  event: string,
  opts: { mustExist?: boolean } = {},
): Promise<OpenEvent> {
  checkEventName(event);
  const git = io.git;
  const remote = io.remotes.pullRemote;
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

/** Pushes `branch` to the push remote; from a fork, says how to open the pull request. */
export async function pushEvent(io: EventIo, branch: string): Promise<void> {
  const { pullRemote, pushRemote } = io.remotes;
  await io.git.push(pushRemote, branch);
  io.log(`Pushed ${branch} to ${pushRemote}.`);
  if (pushRemote !== pullRemote) {
    const url = prUrl(
      await io.git.remoteUrl(pullRemote),
      await io.git.remoteUrl(pushRemote),
      branch,
      branch,
    );
    io.log(
      url
        ? `Open a pull request: ${url}`
        : `Open a pull request from ${pushRemote} ${branch} into ${pullRemote} ${branch}.`,
    );
  }
}

/** Commits metadata changes on the event branch and pushes them to the push remote. */
export async function commitAndPush(
  io: EventIo,
  ev: OpenEvent,
  message: string,
  push: boolean,
): Promise<boolean> {
  const committed = await io.git.commit(message, ['metadata']);
  if (!committed) return false;
  if (!push) {
    io.log(`Committed on ${ev.event} (not pushed: --no-push).`);
    return true;
  }
  await pushEvent(io, ev.event);
  return true;
}
