import * as core from '@actions/core';
import { context, getOctokit } from '@actions/github';
import { TufciError } from '../../lib/errors.js';

type Octokit = ReturnType<typeof getOctokit>;

/** The repository the workflow runs in, and an authenticated client for it. */
export interface Repo {
  owner: string;
  repo: string;
  octokit: Octokit;
}

export function repoClient(token: string): Repo {
  core.setSecret(token);
  const { owner, repo } = context.repo;
  return { owner, repo, octokit: getOctokit(token) };
}

export async function defaultBranch(r: Repo): Promise<string> {
  const res = await r.octokit.rest.repos.get({ owner: r.owner, repo: r.repo });
  return res.data.default_branch;
}

export interface PullRef {
  number: number;
  nodeId: string;
  draft: boolean;
  url: string;
}

/**
 * The open PR for `branch`, created as a draft when there is none. When several
 * are open for one branch (someone opened another by hand), the oldest is used.
 */
export async function findOrCreatePr(
  r: Repo,
  branch: string,
  base: string,
  title: string,
  body: string,
): Promise<PullRef> {
  const open = await r.octokit.rest.pulls.list({
    owner: r.owner,
    repo: r.repo,
    head: `${r.owner}:${branch}`,
    state: 'open',
  });
  const prs = open.data.filter((p) => p.head.ref === branch).sort((a, b) => a.number - b.number);
  if (prs.length > 1)
    core.warning(
      `${prs.length} open pull requests for ${branch}; updating the oldest, #${prs[0]!.number}`,
    );
  const pr = prs[0];
  if (pr) return { number: pr.number, nodeId: pr.node_id, draft: !!pr.draft, url: pr.html_url };
  const created = await r.octokit.rest.pulls.create({
    owner: r.owner,
    repo: r.repo,
    head: branch,
    base,
    title,
    body,
    draft: true,
  });
  core.info(`Opened draft pull request #${created.data.number} for ${branch}.`);
  return {
    number: created.data.number,
    nodeId: created.data.node_id,
    draft: true,
    url: created.data.html_url,
  };
}

/** Edits the one comment that carries `marker`, or creates it: never duplicated. */
export async function upsertComment(
  r: Repo,
  issue: number,
  marker: string,
  body: string,
): Promise<number> {
  const text = `${marker}\n${body}`;
  const comments = await r.octokit.paginate(r.octokit.rest.issues.listComments, {
    owner: r.owner,
    repo: r.repo,
    issue_number: issue,
    per_page: 100,
  });
  const mine = comments.find((c) => c.body?.startsWith(marker));
  if (mine) {
    if (mine.body !== text)
      await r.octokit.rest.issues.updateComment({
        owner: r.owner,
        repo: r.repo,
        comment_id: mine.id,
        body: text,
      });
    return mine.id;
  }
  const created = await r.octokit.rest.issues.createComment({
    owner: r.owner,
    repo: r.repo,
    issue_number: issue,
    body: text,
  });
  return created.data.id;
}

/** Draft ↔ ready for review: only GitHub's GraphQL API can change it. */
export async function setDraft(r: Repo, pr: PullRef, draft: boolean): Promise<void> {
  if (pr.draft === draft) return;
  const mutation = draft
    ? 'mutation($id: ID!) { convertPullRequestToDraft(input: {pullRequestId: $id}) { pullRequest { isDraft } } }'
    : 'mutation($id: ID!) { markPullRequestReadyForReview(input: {pullRequestId: $id}) { pullRequest { isDraft } } }';
  await r.octokit.graphql(mutation, { id: pr.nodeId });
  core.info(draft ? `PR #${pr.number} is back to draft.` : `PR #${pr.number} is ready for review.`);
}

/** Branch name from a ref such as refs/heads/sign/x. */
export function branchOf(ref: string): string {
  return ref.replace(/^refs\/heads\//, '');
}

/** Runs an action body; errors become one `setFailed` without a stack for expected failures. */
export async function runAction(main: () => Promise<void>): Promise<void> {
  try {
    await main();
  } catch (e) {
    const err = e as Error;
    const expected = e instanceof TufciError && e.code !== 'internal';
    core.setFailed(expected ? err.message : (err.stack ?? String(e)));
  }
}
