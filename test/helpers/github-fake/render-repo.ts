// JSON for users and the repository, shaped like GitHub's (`simple-user`,
// `repository`, `full-repository`). API URLs point at the fake; web URLs at serverUrl.

import { sha1, type FakeState } from './state.js';

export interface RenderContext {
  state: FakeState;
  /** The fake's base URL (what GitHub calls https://api.github.com). */
  apiUrl: string;
  /** Web URL of the server (https://github.com by default). */
  serverUrl: string;
}

/** A stable id per login, the same in every fake and every run. */
function userId(login: string): number {
  return parseInt(sha1(`user:${login}`).slice(0, 7), 16);
}

function isBot(login: string): boolean {
  return login.endsWith('[bot]');
}

export function userJson(ctx: RenderContext, login: string) {
  const id = userId(login);
  const api = `${ctx.apiUrl}/users/${encodeURIComponent(login)}`;
  return {
    login,
    id,
    node_id: `${isBot(login) ? 'BOT' : 'U'}_kgDO${Buffer.from(String(id)).toString('base64url')}`,
    avatar_url: `https://avatars.githubusercontent.com/u/${id}?v=4`,
    gravatar_id: '',
    url: api,
    html_url: isBot(login)
      ? `${ctx.serverUrl}/apps/${login.replace(/\[bot\]$/, '')}`
      : `${ctx.serverUrl}/${login}`,
    followers_url: `${api}/followers`,
    following_url: `${api}/following{/other_user}`,
    gists_url: `${api}/gists{/gist_id}`,
    starred_url: `${api}/starred{/owner}{/repo}`,
    subscriptions_url: `${api}/subscriptions`,
    organizations_url: `${api}/orgs`,
    repos_url: `${api}/repos`,
    events_url: `${api}/events{/privacy}`,
    received_events_url: `${api}/received_events`,
    type: isBot(login) ? 'Bot' : 'User',
    user_view_type: 'public',
    site_admin: false,
  };
}

/** How `login` relates to the repository, as GitHub reports it on issues and comments. */
export function authorAssociation(ctx: RenderContext, login: string): string {
  if (login === ctx.state.repository.owner) return 'OWNER';
  return isBot(login) ? 'NONE' : 'COLLABORATOR';
}

export function repoApiUrl(ctx: RenderContext): string {
  const { owner, name } = ctx.state.repository;
  return `${ctx.apiUrl}/repos/${owner}/${name}`;
}

export function repoHtmlUrl(ctx: RenderContext): string {
  const { owner, name } = ctx.state.repository;
  return `${ctx.serverUrl}/${owner}/${name}`;
}

/** `repository` (as embedded in pull requests) or, with `full`, `full-repository`. */
export function repositoryJson(ctx: RenderContext, full = false) {
  const repo = ctx.state.repository;
  const api = repoApiUrl(ctx);
  const html = repoHtmlUrl(ctx);
  const host = new URL(ctx.serverUrl).host;
  const openIssues = [...ctx.state.items.values()].filter((i) => i.state === 'open').length;
  const updatedAt = ctx.state.timestamp();
  const json = {
    id: repo.id,
    node_id: repo.nodeId,
    name: repo.name,
    full_name: `${repo.owner}/${repo.name}`,
    private: false,
    owner: userJson(ctx, repo.owner),
    html_url: html,
    description: null,
    fork: false,
    url: api,
    forks_url: `${api}/forks`,
    keys_url: `${api}/keys{/key_id}`,
    collaborators_url: `${api}/collaborators{/collaborator}`,
    teams_url: `${api}/teams`,
    hooks_url: `${api}/hooks`,
    issue_events_url: `${api}/issues/events{/number}`,
    events_url: `${api}/events`,
    assignees_url: `${api}/assignees{/user}`,
    branches_url: `${api}/branches{/branch}`,
    tags_url: `${api}/tags`,
    blobs_url: `${api}/git/blobs{/sha}`,
    git_tags_url: `${api}/git/tags{/sha}`,
    git_refs_url: `${api}/git/refs{/sha}`,
    trees_url: `${api}/git/trees{/sha}`,
    statuses_url: `${api}/statuses/{sha}`,
    languages_url: `${api}/languages`,
    stargazers_url: `${api}/stargazers`,
    contributors_url: `${api}/contributors`,
    subscribers_url: `${api}/subscribers`,
    subscription_url: `${api}/subscription`,
    commits_url: `${api}/commits{/sha}`,
    git_commits_url: `${api}/git/commits{/sha}`,
    comments_url: `${api}/comments{/number}`,
    issue_comment_url: `${api}/issues/comments{/number}`,
    contents_url: `${api}/contents/{+path}`,
    compare_url: `${api}/compare/{base}...{head}`,
    merges_url: `${api}/merges`,
    archive_url: `${api}/{archive_format}{/ref}`,
    downloads_url: `${api}/downloads`,
    issues_url: `${api}/issues{/number}`,
    pulls_url: `${api}/pulls{/number}`,
    milestones_url: `${api}/milestones{/number}`,
    notifications_url: `${api}/notifications{?since,all,participating}`,
    labels_url: `${api}/labels{/name}`,
    releases_url: `${api}/releases{/id}`,
    deployments_url: `${api}/deployments`,
    created_at: repo.createdAt,
    updated_at: updatedAt,
    pushed_at: updatedAt,
    git_url: `git://${host}/${repo.owner}/${repo.name}.git`,
    ssh_url: `git@${host}:${repo.owner}/${repo.name}.git`,
    clone_url: `${html}.git`,
    svn_url: html,
    homepage: null,
    size: 0,
    stargazers_count: 0,
    watchers_count: 0,
    language: null,
    has_issues: true,
    has_projects: true,
    has_downloads: true,
    has_wiki: true,
    has_pages: false,
    has_discussions: false,
    forks_count: 0,
    mirror_url: null,
    archived: false,
    disabled: false,
    open_issues_count: openIssues,
    license: null,
    allow_forking: true,
    is_template: false,
    topics: [],
    visibility: 'public',
    forks: 0,
    open_issues: openIssues,
    watchers: 0,
    default_branch: repo.defaultBranch,
  };
  return full ? { ...json, network_count: 0, subscribers_count: 0 } : json;
}
