// Issue endpoints: list (state/labels/creator/since filters; pull requests included,
// as on GitHub), create, get, update (title, body, state, labels).

import { issueJson } from './render-items.js';
import {
  checkRepo,
  itemParam,
  labelNames,
  paginate,
  str,
  validationFailed,
  type RouteContext,
  type Routes,
} from './route.js';
import { sortItems } from './routes-pulls.js';
import type { IssueRecord } from './state.js';

const ISSUES = '/repos/{owner}/{repo}/issues';
const ISSUE = '/repos/{owner}/{repo}/issues/{issue_number}';

function list(ctx: RouteContext) {
  checkRepo(ctx);
  const state = ctx.query.get('state') ?? 'open';
  let items = [...ctx.state.items.values()].filter((i) =>
    state === 'all' ? true : state === 'open' ? i.state === 'open' : i.state !== 'open',
  );
  const labels = ctx.query.get('labels');
  if (labels) {
    const wanted = labels.split(',').map((l) => l.trim().toLowerCase());
    items = items.filter((i) => wanted.every((w) => i.labels.some((l) => l.toLowerCase() === w)));
  }
  const creator = ctx.query.get('creator');
  if (creator !== null) items = items.filter((i) => i.user.toLowerCase() === creator.toLowerCase());
  const since = ctx.query.get('since');
  if (since !== null) items = items.filter((i) => Date.parse(i.updatedAt) >= Date.parse(since));
  for (const unmodelled of ['milestone', 'assignee', 'mentioned', 'type']) {
    if (ctx.query.has(unmodelled)) ctx.warn(`the fake does not model the "${unmodelled}" filter`);
  }
  const { page, headers } = paginate(ctx, sortItems(ctx, items));
  return { status: 200, body: page.map((i) => issueJson(ctx, i)), headers };
}

function warnUnmodelled(ctx: RouteContext): void {
  for (const key of ['assignee', 'assignees', 'milestone', 'type']) {
    const value = ctx.body[key];
    if (value !== undefined && value !== null && !(Array.isArray(value) && value.length === 0)) {
      ctx.warn(`the fake does not model issue field "${key}"`);
    }
  }
}

function create(ctx: RouteContext) {
  checkRepo(ctx);
  warnUnmodelled(ctx);
  const rawTitle = ctx.body.title;
  const title = typeof rawTitle === 'number' ? String(rawTitle) : (str(ctx.body, 'title') ?? '');
  if (title.trim() === '') {
    throw validationFailed({ resource: 'Issue', field: 'title', code: 'missing_field' });
  }
  const issue = ctx.state.createIssue({
    title,
    body: str(ctx.body, 'body') ?? null,
    user: ctx.actor,
    labels: labelNames(ctx.body.labels),
  });
  const json = issueJson(ctx, issue);
  return { status: 201, body: json, headers: { location: json.url } };
}

function get(ctx: RouteContext) {
  checkRepo(ctx);
  return { status: 200, body: issueJson(ctx, itemParam(ctx)) };
}

function update(ctx: RouteContext) {
  checkRepo(ctx);
  warnUnmodelled(ctx);
  const item = itemParam(ctx);
  const state = str(ctx.body, 'state');
  if (state === 'open' && item.kind === 'pull' && item.state === 'merged') {
    throw validationFailed({ resource: 'Issue', field: 'state', code: 'invalid' });
  }
  const rawTitle = ctx.body.title;
  if (typeof rawTitle === 'string' || typeof rawTitle === 'number') item.title = String(rawTitle);
  if ('body' in ctx.body) item.body = str(ctx.body, 'body') ?? null;
  if (Array.isArray(ctx.body.labels)) ctx.state.setLabels(item, labelNames(ctx.body.labels));
  item.updatedAt = ctx.state.timestamp();
  const reason = str(ctx.body, 'state_reason') as IssueRecord['stateReason'] | undefined;
  const isOpen = item.state === 'open';
  if (
    state !== undefined &&
    (state === 'open') !== isOpen &&
    !(item.kind === 'pull' && item.state === 'merged')
  ) {
    ctx.state.setOpen(item, state === 'open', ctx.actor, reason ?? undefined);
  } else if (reason !== undefined && item.kind === 'issue') {
    item.stateReason = reason;
  }
  return { status: 200, body: issueJson(ctx, item) };
}

export const issueRoutes: Routes = {
  [`GET ${ISSUES}`]: list,
  [`POST ${ISSUES}`]: create,
  [`GET ${ISSUE}`]: get,
  [`PATCH ${ISSUE}`]: update,
};
