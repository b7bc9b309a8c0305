// JSON for labels, issues, pull requests and issue comments, shaped like GitHub's
// `label`, `issue`, `pull-request`, `pull-request-simple` and `issue-comment`.

import {
  authorAssociation,
  repoApiUrl,
  repoHtmlUrl,
  repositoryJson,
  userJson,
  type RenderContext,
} from './render-repo.js';
import type { CommentRecord, ItemRecord, PullRequestRecord } from './state.js';

function labelJson(ctx: RenderContext, name: string) {
  const label = ctx.state.label(name);
  return {
    id: label.id,
    node_id: label.nodeId,
    url: `${repoApiUrl(ctx)}/labels/${encodeURIComponent(label.name)}`,
    name: label.name,
    description: label.description,
    color: label.color,
    default: false,
  };
}

/** An issue, or a pull request as the issues API shows it (with `pull_request`). */
export function issueJson(ctx: RenderContext, item: ItemRecord) {
  const api = `${repoApiUrl(ctx)}/issues/${item.number}`;
  const html = `${repoHtmlUrl(ctx)}/${item.kind === 'pull' ? 'pull' : 'issues'}/${item.number}`;
  const json = {
    url: api,
    repository_url: repoApiUrl(ctx),
    labels_url: `${api}/labels{/name}`,
    comments_url: `${api}/comments`,
    events_url: `${api}/events`,
    html_url: html,
    id: item.issueId,
    node_id: item.issueNodeId,
    number: item.number,
    title: item.title,
    user: userJson(ctx, item.user),
    labels: item.labels.map((name) => labelJson(ctx, name)),
    state: item.state === 'open' ? 'open' : 'closed',
    locked: false,
    assignee: null,
    assignees: [],
    milestone: null,
    comments: ctx.state.commentsOn(item.number).length,
    created_at: item.createdAt,
    updated_at: item.updatedAt,
    closed_at: item.closedAt,
    author_association: authorAssociation(ctx, item.user),
    active_lock_reason: null,
    body: item.body,
    closed_by: item.closedBy === null ? null : userJson(ctx, item.closedBy),
    timeline_url: `${api}/timeline`,
    performed_via_github_app: null,
  };
  if (item.kind === 'issue') return { ...json, state_reason: item.stateReason };
  const pulls = `${repoApiUrl(ctx)}/pulls/${item.number}`;
  return {
    ...json,
    draft: item.draft,
    pull_request: {
      url: pulls,
      html_url: html,
      diff_url: `${html}.diff`,
      patch_url: `${html}.patch`,
      merged_at: item.mergedAt,
    },
    state_reason: null,
  };
}

function branchJson(ctx: RenderContext, ref: string, sha: string) {
  const { owner } = ctx.state.repository;
  return {
    label: `${owner}:${ref}`,
    ref,
    sha,
    user: userJson(ctx, owner),
    repo: repositoryJson(ctx),
  };
}

/** `pull-request-simple` (list results) or, with `full`, `pull-request`. */
export function pullJson(ctx: RenderContext, pull: PullRequestRecord, full: boolean) {
  const api = `${repoApiUrl(ctx)}/pulls/${pull.number}`;
  const issue = `${repoApiUrl(ctx)}/issues/${pull.number}`;
  const html = `${repoHtmlUrl(ctx)}/pull/${pull.number}`;
  const statuses = `${repoApiUrl(ctx)}/statuses/${pull.headSha}`;
  const baseSha = ctx.state.branchSha(pull.base) ?? '0'.repeat(40);
  const simple = {
    url: api,
    id: pull.id,
    node_id: pull.nodeId,
    html_url: html,
    diff_url: `${html}.diff`,
    patch_url: `${html}.patch`,
    issue_url: issue,
    number: pull.number,
    state: pull.state === 'open' ? 'open' : 'closed',
    locked: false,
    title: pull.title,
    user: userJson(ctx, pull.user),
    body: pull.body,
    created_at: pull.createdAt,
    updated_at: pull.updatedAt,
    closed_at: pull.closedAt,
    merged_at: pull.mergedAt,
    merge_commit_sha: pull.mergeCommitSha,
    assignee: null,
    assignees: [],
    requested_reviewers: [],
    requested_teams: [],
    labels: pull.labels.map((name) => labelJson(ctx, name)),
    milestone: null,
    draft: pull.draft,
    commits_url: `${api}/commits`,
    review_comments_url: `${api}/comments`,
    review_comment_url: `${repoApiUrl(ctx)}/pulls/comments{/number}`,
    comments_url: `${issue}/comments`,
    statuses_url: statuses,
    head: branchJson(ctx, pull.head, pull.headSha),
    base: branchJson(ctx, pull.base, baseSha),
    _links: {
      self: { href: api },
      html: { href: html },
      issue: { href: issue },
      comments: { href: `${issue}/comments` },
      review_comments: { href: `${api}/comments` },
      review_comment: { href: `${repoApiUrl(ctx)}/pulls/comments{/number}` },
      commits: { href: `${api}/commits` },
      statuses: { href: statuses },
    },
    author_association: authorAssociation(ctx, pull.user),
    auto_merge: null,
    active_lock_reason: null,
  };
  if (!full) return simple;
  return {
    ...simple,
    merged: pull.state === 'merged',
    mergeable: pull.state === 'open' ? true : null,
    rebaseable: pull.state === 'open' ? true : null,
    mergeable_state: pull.state === 'open' ? (pull.draft ? 'draft' : 'clean') : 'unknown',
    merged_by: pull.mergedBy === null ? null : userJson(ctx, pull.mergedBy),
    comments: ctx.state.commentsOn(pull.number).length,
    review_comments: 0,
    maintainer_can_modify: false,
    commits: 1,
    additions: 0,
    deletions: 0,
    changed_files: 0,
  };
}

export function commentJson(ctx: RenderContext, comment: CommentRecord) {
  const item = ctx.state.items.get(comment.issueNumber);
  const page = `${repoHtmlUrl(ctx)}/${item?.kind === 'pull' ? 'pull' : 'issues'}`;
  return {
    url: `${repoApiUrl(ctx)}/issues/comments/${comment.id}`,
    html_url: `${page}/${comment.issueNumber}#issuecomment-${comment.id}`,
    issue_url: `${repoApiUrl(ctx)}/issues/${comment.issueNumber}`,
    id: comment.id,
    node_id: comment.nodeId,
    user: userJson(ctx, comment.user),
    created_at: comment.createdAt,
    updated_at: comment.updatedAt,
    author_association: authorAssociation(ctx, comment.user),
    body: comment.body,
    performed_via_github_app: null,
  };
}
