import * as core from '@actions/core';
import { context } from '@actions/github';
import { UserError, isTufciError } from '../../../lib/errors.js';
import { eventUpdateTask } from '../../../lib/ci/tasks.js';
import { knownGood } from '../../../lib/event/base.js';
import { openEvents } from '../../../lib/event/open-events.js';
import { failureMarkdown, statusMarkdown } from '../../../lib/event/render.js';
import { eventReport } from '../../../lib/event/report.js';
import { Git } from '../../../lib/git/git.js';
import { RepoDir } from '../../../lib/tuf/repo.js';
import {
  branchOf,
  defaultBranch,
  findOrCreatePr,
  repoClient,
  runAction,
  setDraft,
  upsertComment,
} from '../../common/github.js';

export const MARKER = '<!-- tufci-signing-event-status -->';

interface Run {
  dir: string;
  gh: ReturnType<typeof repoClient>;
  git: Git;
  base: string;
  now: Date;
}

/** Updates one event checked out in `dir` and its pull request; false when the branch is gone. */
async function updateOne(r: Run, branch: string): Promise<void> {
  const { dir, gh, git, base, now } = r;
  const log = (l: string): void => core.info(l);
  const openPr = (): ReturnType<typeof findOrCreatePr> =>
    findOrCreatePr(
      gh,
      branch,
      base,
      `Signing event: ${branch.slice('sign/'.length)}`,
      `Signing event \`${branch}\`. The status comment below is kept up to date by CI.`,
    );
  try {
    await eventUpdateTask({ dir, env: process.env, now, log }, { defaultBranch: base, push: true });
  } catch (e) {
    if (!(await git.remoteBranches('origin')).includes(branch)) {
      core.notice(`Branch ${branch} was deleted during the run; nothing to do.`);
      return;
    }
    // what the pushers must fix (a path without a role, bad metadata) goes to the PR too
    if (isTufciError(e, 'user') || isTufciError(e, 'metadata-invalid')) {
      const pr = await openPr();
      await upsertComment(gh, pr.number, MARKER, failureMarkdown(branch, e.message));
      await setDraft(gh, pr, true);
      core.setOutput('pr-number', String(pr.number));
      core.setOutput('complete', 'false');
    }
    throw e;
  }
  const report = await eventReport(
    new RepoDir(dir),
    await knownGood(git, 'origin', base),
    now,
    branch,
  );
  const cli = core.getInput('cli') || 'tufci';
  const markdown = statusMarkdown({ event: branch, ...report, cli });
  const pr = await openPr();
  await upsertComment(gh, pr.number, MARKER, markdown);
  await setDraft(gh, pr, !report.status.complete);
  await core.summary.addRaw(markdown).write();
  core.setOutput('pr-number', String(pr.number));
  core.setOutput('complete', String(report.status.complete));
  core.info(
    report.status.complete
      ? `Signing event ${branch} complete: ready for review.`
      : `Signing event ${branch} waiting for signatures.`,
  );
}

/**
 * The default branch moved (a push to it): every open event takes it in, so none is
 * left behind with metadata that would conflict on merge. Each event is tried; the run
 * fails at the end if one of them did.
 */
async function updateOpenEvents(r: Run): Promise<void> {
  await r.git.fetch('origin');
  const events = (await openEvents(r.git, 'origin', r.base)).map((e) => e.event);
  if (!events.length) {
    core.info(`No open signing event to bring up to date with ${r.base}.`);
    return;
  }
  const failed: string[] = [];
  for (const event of events) {
    core.startGroup(`Signing event ${event}`);
    try {
      await r.git.checkout(event, `origin/${event}`);
      await updateOne(r, event);
    } catch (e) {
      failed.push(event);
      core.error(`${event}: ${(e as Error).message}`);
    } finally {
      core.endGroup();
    }
  }
  if (failed.length)
    throw new UserError(`could not bring ${failed.join(', ')} up to date with ${r.base}`);
}

async function main(): Promise<void> {
  const dir = process.env.GITHUB_WORKSPACE ?? process.cwd();
  const branch = core.getInput('branch') || branchOf(context.ref);
  const gh = repoClient(core.getInput('token', { required: true }));
  const git = new Git(dir, process.env);
  const base = await defaultBranch(gh);
  const run: Run = { dir, gh, git, base, now: new Date() };
  if (branch === base) return updateOpenEvents(run);
  if (!branch.startsWith('sign/'))
    throw new UserError(`branch ${branch} is not a signing event (sign/*) nor ${base}`);
  if (!(await git.remoteBranches('origin')).includes(branch)) {
    core.notice(`Branch ${branch} no longer exists; nothing to do.`);
    return;
  }
  await updateOne(run, branch);
}

void runAction(main);
