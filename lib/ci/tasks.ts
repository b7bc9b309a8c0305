import { GitRevReader, knownGood } from '../event/base.js';
import { catchUp } from '../event/catch-up.js';
import { bumped, rolesToBump } from '../event/expiring.js';
import { updateEvent } from '../event/update.js';
import { pushEvent } from '../event/workflow.js';
import { Git } from '../git/git.js';
import { RepoDir } from '../tuf/repo.js';
import { withRollback } from '../util/transaction.js';

/** What CI tasks are given: the checkout, its environment, a clock and a log. */
export interface TaskEnv {
  dir: string;
  env: Record<string, string | undefined>;
  now: Date;
  log: (line: string) => void;
  remote?: string;
}

/**
 * Sync, bump and commit the event checked out in `dir` (CI on a sign/* push). An event
 * behind the default branch takes it in first (lib/event/catch-up.ts): a merge commit
 * whose metadata is the event's changes applied to the default branch's.
 */
export async function eventUpdateTask(
  t: TaskEnv,
  o: { defaultBranch?: string; commit?: boolean; push?: boolean } = {},
): Promise<{ written: string[]; committed: boolean; branch: string; caughtUp?: string }> {
  const git = new Git(t.dir, t.env);
  const remote = t.remote ?? 'origin';
  const repo = new RepoDir(t.dir);
  const branch = await git.currentBranch();
  const defaultBranch = o.defaultBranch ?? (await git.defaultBranch(remote));
  let caughtUp: string | undefined;
  const res = await withRollback(t.dir, ['metadata'], async () => {
    try {
      caughtUp = await catchUp(git, repo, `${remote}/${defaultBranch}`, t.log);
      const base = caughtUp
        ? new GitRevReader(git, caughtUp)
        : await knownGood(git, remote, defaultBranch);
      return await updateEvent(repo, base, t.now, { event: branch });
    } catch (e) {
      // catchUp aborts its own merge when it fails; one that succeeded is undone here
      if (caughtUp && (await git.merging())) await git.abortMerge();
      throw e;
    }
  });
  for (const l of res.log) t.log(l);
  let committed = false;
  if (caughtUp) {
    const what = res.written.length ? `; update ${res.writtenText}` : '';
    if (o.commit === false) {
      t.log(
        `Merge of ${remote}/${defaultBranch} left uncommitted (--no-commit): \`git commit\` it.`,
      );
    } else {
      await git.commitMerge(
        `Signing event: take in ${defaultBranch} (${caughtUp.slice(0, 10)})${what}`,
        ['metadata'],
      );
      committed = true;
      t.log(`Committed the merge of ${remote}/${defaultBranch}${what}.`);
    }
  } else if (!res.written.length) t.log('Metadata is up to date; nothing to commit.');
  else if (o.commit !== false) {
    committed = await git.commit(`Signing event: update ${res.writtenText}`, ['metadata']);
    t.log(`Committed new metadata for ${res.writtenText}.`);
  }
  if (committed && o.push)
    await pushEvent(
      { git, remotes: { pullRemote: remote, pushRemote: remote }, log: t.log },
      branch,
    );
  return { written: res.written, committed, branch, ...(caughtUp ? { caughtUp } : {}) };
}

/**
 * Opens a `sign/bump-<role>-v<N>` branch for each offline role in its signing period,
 * expired or below its threshold; skips existing ones.
 */
export async function bumpExpiringTask(t: TaskEnv, o: { push?: boolean } = {}): Promise<string[]> {
  const repo = new RepoDir(t.dir);
  const git = new Git(t.dir, t.env);
  const remote = t.remote ?? 'origin';
  const start = await git.currentBranch();
  // `checkout -B start` without a start point would reset it to the bump commit
  const startRev = await git.head();
  const existing = new Set(o.push ? await git.remoteBranches(remote) : []);
  const created: string[] = [];
  const root = repo.root().signed;
  for (const e of rolesToBump(repo, t.now)) {
    if (existing.has(e.branch)) {
      t.log(`${e.why}: ${e.branch} already exists, skipped.`);
      continue;
    }
    await git.checkout(e.branch, start);
    for (const role of e.roles ?? [e.role])
      repo.writeRole(role, bumped(repo.readRole(role), role, root, t.now));
    await git.commit(
      e.roles
        ? `Expiry bump for ${e.role}: one version up each`
        : `Expiry bump for ${e.role}: version ${e.version + 1}`,
      ['metadata'],
    );
    if (o.push) await git.push(remote, e.branch);
    await git.checkout(start, startRev);
    created.push(e.branch);
    t.log(`${e.why}: opened ${e.branch}.`);
  }
  if (!created.length)
    t.log('No offline role is in its signing period, expired or below threshold.');
  return created;
}
