// Pull request endpoints: list (head/base/state filters), create, get, update.

import { pullJson } from './render-items.js';
import {
  checkRepo,
  GitHubError,
  itemParam,
  notFound,
  paginate,
  str,
  validationFailed,
  type RouteContext,
  type Routes,
} from './route.js';
import type { ItemRecord, PullRequestRecord } from './state.js';

const PULLS = '/repos/{owner}/{repo}/pulls';
const PULL = '/repos/{owner}/{repo}/pulls/{pull_number}';

function pullParam(ctx: RouteContext): PullRequestRecord {
  const item = itemParam(ctx, 'pull_number');
  if (item.kind !== 'pull') throw notFound();
  return item;
}

/** Splits `owner:branch` (or `branch`) as GitHub reads the `head` field. */
function splitHead(head: string): { owner: string | undefined; ref: string } {
  const colon = head.indexOf(':');
  return colon < 0
    ? { owner: undefined, ref: head }
    : { owner: head.slice(0, colon), ref: head.slice(colon + 1) };
}

function alreadyOpen(ctx: RouteContext, head: string, base: string, except?: number) {
  const dup = ctx.state.pullRequests.find(
    (p) => p.state === 'open' && p.head === head && p.base === base && p.number !== except,
  );
  if (dup) {
    throw validationFailed({
      resource: 'PullRequest',
      code: 'custom',
      message: `A pull request already exists for ${ctx.state.repository.owner}:${head}.`,
    });
  }
}

/** Orders by `sort` (created/updated) and `direction` (default desc), as list endpoints do. */
export function sortItems<T extends ItemRecord>(ctx: RouteContext, items: T[]): T[] {
  const key = ctx.query.get('sort') === 'updated' ? 'updatedAt' : 'createdAt';
  const sign = ctx.query.get('direction') === 'asc' ? 1 : -1;
  return [...items].sort((a, b) => sign * (a[key].localeCompare(b[key]) || a.number - b.number));
}

function list(ctx: RouteContext) {
  checkRepo(ctx);
  const state = ctx.query.get('state') ?? 'open';
  let pulls = ctx.state.pullRequests.filter((p) =>
    state === 'all' ? true : state === 'open' ? p.state === 'open' : p.state !== 'open',
  );
  const head = ctx.query.get('head');
  if (head !== null) {
    const { owner, ref } = splitHead(head);
    if (owner === undefined) {
      ctx.warn(`head filter "${head}" is not "owner:branch"; GitHub ignores it and lists all`);
    } else {
      const sameOwner = owner.toLowerCase() === ctx.state.repository.owner.toLowerCase();
      pulls = pulls.filter((p) => sameOwner && p.head === ref);
    }
  }
  const base = ctx.query.get('base');
  if (base !== null) pulls = pulls.filter((p) => p.base === base);
  const { page, headers } = paginate(ctx, sortItems(ctx, pulls));
  return { status: 200, body: page.map((p) => pullJson(ctx, p, false)), headers };
}

function create(ctx: RouteContext) {
  checkRepo(ctx);
  const { owner, ref: head } = splitHead(str(ctx.body, 'head') ?? '');
  const base = str(ctx.body, 'base') ?? '';
  const sameOwner =
    owner === undefined || owner.toLowerCase() === ctx.state.repository.owner.toLowerCase();
  const headSha = sameOwner ? ctx.state.branchSha(head) : undefined;
  if (headSha === undefined) {
    throw validationFailed({ resource: 'PullRequest', field: 'head', code: 'invalid' });
  }
  if (ctx.state.branchSha(base) === undefined) {
    throw validationFailed({ resource: 'PullRequest', field: 'base', code: 'invalid' });
  }
  if (ctx.body.issue !== undefined) {
    ctx.warn('converting an issue into a pull request is not modelled by the fake');
    throw new GitHubError(422, 'Validation Failed');
  }
  const title = str(ctx.body, 'title');
  if (title === undefined) {
    throw validationFailed({ resource: 'PullRequest', field: 'title', code: 'missing_field' });
  }
  if (head === base) {
    throw validationFailed({
      resource: 'PullRequest',
      code: 'custom',
      message: `No commits between ${base} and ${head}`,
    });
  }
  alreadyOpen(ctx, head, base);
  const pull = ctx.state.createPull({
    title,
    body: str(ctx.body, 'body') ?? null,
    user: ctx.actor,
    head,
    headSha,
    base,
    draft: ctx.body.draft === true,
  });
  const json = pullJson(ctx, pull, true);
  return { status: 201, body: json, headers: { location: json.url } };
}

function get(ctx: RouteContext) {
  checkRepo(ctx);
  return { status: 200, body: pullJson(ctx, pullParam(ctx), true) };
}

function update(ctx: RouteContext) {
  checkRepo(ctx);
  const pull = pullParam(ctx);
  const base = str(ctx.body, 'base');
  if (base !== undefined && ctx.state.branchSha(base) === undefined) {
    throw validationFailed({ resource: 'PullRequest', field: 'base', code: 'invalid' });
  }
  const state = str(ctx.body, 'state');
  if (state !== undefined && pull.state === 'merged' && state === 'open') {
    throw validationFailed({
      resource: 'PullRequest',
      code: 'custom',
      message:
        'state cannot be changed. The pull request cannot be reopened because it was merged.',
    });
  }
  if (state === 'open' && pull.state === 'closed')
    alreadyOpen(ctx, pull.head, base ?? pull.base, pull.number);
  const title = str(ctx.body, 'title');
  if (title !== undefined) pull.title = title;
  if ('body' in ctx.body) pull.body = str(ctx.body, 'body') ?? null;
  if (base !== undefined) pull.base = base;
  pull.updatedAt = ctx.state.timestamp();
  if (
    state !== undefined &&
    pull.state !== 'merged' &&
    (state === 'open') !== (pull.state === 'open')
  ) {
    ctx.state.setOpen(pull, state === 'open', ctx.actor);
  }
  return { status: 200, body: pullJson(ctx, pull, true) };
}

export const pullRoutes: Routes = {
  [`GET ${PULLS}`]: list,
  [`POST ${PULLS}`]: create,
  [`GET ${PULL}`]: get,
  [`PATCH ${PULL}`]: update,
};
