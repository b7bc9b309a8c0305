// Issue comment endpoints (pull request conversations use these too): list with
// pagination and `since`, create, get, and edit in place.

import { commentJson } from './render-items.js';
import {
  checkRepo,
  itemParam,
  notFound,
  paginate,
  str,
  validationFailed,
  type RouteContext,
  type Routes,
} from './route.js';
import type { CommentRecord } from './state.js';

const COMMENTS = '/repos/{owner}/{repo}/issues/{issue_number}/comments';
const COMMENT = '/repos/{owner}/{repo}/issues/comments/{comment_id}';

function commentParam(ctx: RouteContext): CommentRecord {
  const id = Number(ctx.params.comment_id);
  const comment = ctx.state.comments.find((c) => c.id === id);
  if (!comment) throw notFound();
  return comment;
}

function requireBody(ctx: RouteContext): string {
  const body = str(ctx.body, 'body');
  if (body === undefined || body === '') {
    throw validationFailed({ resource: 'IssueComment', field: 'body', code: 'missing_field' });
  }
  return body;
}

function list(ctx: RouteContext) {
  checkRepo(ctx);
  const item = itemParam(ctx);
  let comments = ctx.state.commentsOn(item.number);
  const since = ctx.query.get('since');
  if (since !== null)
    comments = comments.filter((c) => Date.parse(c.updatedAt) >= Date.parse(since));
  const { page, headers } = paginate(ctx, comments);
  return { status: 200, body: page.map((c) => commentJson(ctx, c)), headers };
}

function create(ctx: RouteContext) {
  checkRepo(ctx);
  const item = itemParam(ctx);
  const comment = ctx.state.addComment(item.number, requireBody(ctx), ctx.actor);
  const json = commentJson(ctx, comment);
  return { status: 201, body: json, headers: { location: json.url } };
}

function get(ctx: RouteContext) {
  checkRepo(ctx);
  return { status: 200, body: commentJson(ctx, commentParam(ctx)) };
}

function update(ctx: RouteContext) {
  checkRepo(ctx);
  const comment = commentParam(ctx);
  comment.body = requireBody(ctx);
  comment.updatedAt = ctx.state.timestamp();
  return { status: 200, body: commentJson(ctx, comment) };
}

export const commentRoutes: Routes = {
  [`GET ${COMMENTS}`]: list,
  [`POST ${COMMENTS}`]: create,
  [`GET ${COMMENT}`]: get,
  [`PATCH ${COMMENT}`]: update,
};
