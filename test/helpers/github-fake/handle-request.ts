// One request through the fake: authentication, lookup in GitHub's description,
// validation, the route handler, and a check of the response the handler produced.

import { handleGraphql } from './graphql.js';
import type { ApiDescription } from './openapi-description.js';
import type { RenderContext } from './render-repo.js';
import { GitHubError, type JsonBody, type Reply, type Routes } from './route.js';
import type { RecordedRequest, Violation, ViolationKind } from './types.js';
import { checkRequest, checkResponse } from './validate.js';

export interface IncomingCall {
  method: string;
  url: URL;
  authorization: string | undefined;
  /** Raw body text; empty when none was sent. */
  text: string;
}

export interface Handling {
  api: ApiDescription;
  routes: Routes;
  render: RenderContext;
  tokens: Record<string, string>;
  actor: string;
  validateResponses: boolean;
}

export interface Outcome {
  reply: Reply;
  record: RecordedRequest;
  violations: Violation[];
}

function tokenOf(authorization: string | undefined): string | undefined {
  return /^(?:token|bearer)\s+(\S+)$/i.exec(authorization ?? '')?.[1];
}

/** Runs one call; never throws (a crash in a handler becomes a 500 and a violation). */
export function handleCall(h: Handling, call: IncomingCall): Outcome {
  const { method, url } = call;
  const path = url.pathname;
  const violations: Violation[] = [];
  const violate = (kind: ViolationKind, message: string) =>
    violations.push({ kind, method, path, message });
  const token = tokenOf(call.authorization);
  const actor = token === undefined ? undefined : (h.tokens[token] ?? h.actor);
  const record: RecordedRequest = {
    method,
    path,
    query: Object.fromEntries(url.searchParams),
    body: undefined,
    actor,
    operationId: undefined,
    status: 0,
  };
  const finish = (reply: Reply): Outcome => {
    record.status = reply.status;
    return { reply, record, violations };
  };
  const error = (e: GitHubError): Outcome => finish({ status: e.status, body: e.body });

  if (call.text.trim() !== '') {
    try {
      record.body = JSON.parse(call.text);
    } catch {
      violate('request', 'the body is not valid JSON.');
      return error(new GitHubError(400, 'Problems parsing JSON'));
    }
  }
  if (actor === undefined) {
    violate('auth', 'no "Authorization: token …" header; GitHub would answer 401.');
    return error(new GitHubError(401, 'Requires authentication'));
  }
  if (method === 'POST' && path === '/graphql') {
    record.operationId = 'graphql';
    const result = handleGraphql(h.render, record.body);
    for (const message of result.violations) violate('graphql', message);
    return finish({ status: 200, body: result.body });
  }

  const match = h.api.find(method, path);
  if (!match) {
    violate('unhandled endpoint', `${method} ${path} is not in GitHub's OpenAPI description.`);
    return error(new GitHubError(404, 'Not Found'));
  }
  record.operationId = match.operation.operationId;
  const problems = checkRequest(h.api, match, url.searchParams, record.body);
  if (problems.length > 0) {
    for (const message of problems)
      violate('request', `${match.operation.operationId}: ${message}`);
    return error(new GitHubError(422, `Invalid request.\n\n${problems.join('\n')}`));
  }
  const handler = h.routes[`${method} ${match.template}`];
  if (!handler) {
    violate(
      'unhandled endpoint',
      `${method} ${match.template} (${match.operation.operationId}) is not served by the fake.`,
    );
    return error(new GitHubError(404, 'Not Found'));
  }

  let reply: Reply;
  try {
    reply = handler({
      ...h.render,
      params: match.pathParams,
      query: url.searchParams,
      body: (record.body ?? {}) as JsonBody,
      actor,
      requestUrl: url,
      warn: (message) => violate('semantics', message),
    });
  } catch (e) {
    if (!(e instanceof GitHubError)) {
      violate('fake', `handler crashed: ${(e as Error).stack ?? String(e)}`);
      return error(new GitHubError(500, 'Server Error'));
    }
    reply = { status: e.status, body: e.body };
  }
  if (h.validateResponses) {
    for (const message of checkResponse(h.api, match, reply.status, reply.body)) {
      violate('response', `${match.operation.operationId}: ${message}`);
    }
  }
  return finish(reply);
}
