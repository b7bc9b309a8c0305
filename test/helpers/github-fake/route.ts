// What a route handler gets and returns, GitHub's error responses, and pagination.

import type { RenderContext } from './render-repo.js';
import type { ItemRecord } from './state.js';

export type JsonBody = Record<string, unknown>;

export interface RouteContext extends RenderContext {
  /** Path parameters, named as in the OpenAPI path template. */
  params: Record<string, string>;
  query: URLSearchParams;
  /** Parsed JSON body ({} when none was sent). */
  body: JsonBody;
  /** Login of the token's user. */
  actor: string;
  /** Absolute URL of this request, used to build pagination links. */
  requestUrl: URL;
  /** Records a violation that does not change the response (e.g. a filter GitHub ignores). */
  warn(message: string): void;
}

export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** A handler per `METHOD template`, the template spelled exactly as in the description. */
export type Routes = Record<string, (ctx: RouteContext) => Reply>;

const DOCS = 'https://docs.github.com/rest';

export interface FieldError {
  resource: string;
  field?: string;
  code: string;
  message?: string;
}

/** An error answered the way GitHub answers it: `{ message, documentation_url, status }`. */
export class GitHubError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly errors?: FieldError[],
  ) {
    super(message);
  }

  get body(): JsonBody {
    const body: JsonBody = {
      message: this.message,
      documentation_url: DOCS,
      status: String(this.status),
    };
    if (this.errors) body.errors = this.errors;
    return body;
  }
}

export function notFound(): GitHubError {
  return new GitHubError(404, 'Not Found');
}

export function validationFailed(...errors: FieldError[]): GitHubError {
  return new GitHubError(422, 'Validation Failed', errors);
}

/** Throws 404 unless the path names the fake's repository (case-insensitively, like GitHub). */
export function checkRepo(ctx: RouteContext): void {
  const { owner, name } = ctx.state.repository;
  const same = (a: string | undefined, b: string) => a?.toLowerCase() === b.toLowerCase();
  if (!same(ctx.params.owner, owner) || !same(ctx.params.repo, name)) throw notFound();
}

/** The issue or pull request named by `params.issue_number`, or 404. */
export function itemParam(ctx: RouteContext, name = 'issue_number'): ItemRecord {
  const item = ctx.state.items.get(Number(ctx.params[name]));
  if (!item) throw notFound();
  return item;
}

/** One page of `items` and GitHub's `Link` header (`per_page` ≤ 100, default 30). */
export function paginate<T>(
  ctx: RouteContext,
  items: T[],
): { page: T[]; headers: Record<string, string> } {
  const perPage = Math.min(100, Math.max(1, Number(ctx.query.get('per_page') ?? 30) || 30));
  const page = Math.max(1, Number(ctx.query.get('page') ?? 1) || 1);
  const last = Math.max(1, Math.ceil(items.length / perPage));
  const link = (n: number, rel: string) => {
    const url = new URL(ctx.requestUrl);
    url.searchParams.set('per_page', String(perPage));
    url.searchParams.set('page', String(n));
    return `<${url.toString()}>; rel="${rel}"`;
  };
  const links: string[] = [];
  if (page > 1) links.push(link(Math.min(page - 1, last), 'prev'));
  if (page < last) links.push(link(page + 1, 'next'), link(last, 'last'));
  if (page > 1) links.push(link(1, 'first'));
  return {
    page: items.slice((page - 1) * perPage, page * perPage),
    headers: links.length > 0 ? { link: links.join(', ') } : {},
  };
}

/** A string field of the body, if present. */
export function str(body: JsonBody, key: string): string | undefined {
  const value = body[key];
  return typeof value === 'string' ? value : undefined;
}

/** Label names from `labels: ["a", {name: "b"}]`, as the issues API accepts them. */
export function labelNames(value: unknown): string[] {
  if (!Array.isArray(value)) return [];
  return value
    .map((l: unknown) => (typeof l === 'string' ? l : (l as { name?: unknown } | null)?.name))
    .filter((n): n is string => typeof n === 'string' && n.length > 0);
}
