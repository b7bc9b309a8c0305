// startGitHubFake: the HTTP server on 127.0.0.1 (a free port), its state, and the
// record of requests and violations.

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { handleCall, type Handling } from './handle-request.js';
import { loadDescription } from './openapi-description.js';
import type { Routes } from './route.js';
import { commentRoutes } from './routes-comments.js';
import { issueRoutes } from './routes-issues.js';
import { pullRoutes } from './routes-pulls.js';
import { repoRoutes, workflowRoutes } from './routes-repo.js';
import { FakeState, sha1 } from './state.js';
import type { GitHubFakeOptions, RecordedRequest, Violation } from './types.js';
import { userActions, type UserActions } from './user-actions.js';

export interface GitHubFake extends UserActions {
  /** Base URL for Octokit (`baseUrl`) and `GITHUB_API_URL`. */
  readonly url: string;
  readonly state: FakeState;
  readonly requests: RecordedRequest[];
  readonly violations: Violation[];
  stop(): Promise<void>;
}

/** Every handler, keyed by `METHOD template` as spelled in GitHub's description. */
export function allRoutes(options: Pick<GitHubFakeOptions, 'workflows'> = {}): Routes {
  return {
    ...repoRoutes,
    ...workflowRoutes(options.workflows),
    ...pullRoutes,
    ...issueRoutes,
    ...commentRoutes,
  };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
) {
  const text = body === undefined || status === 204 ? '' : JSON.stringify(body);
  res.writeHead(status, {
    ...(text ? { 'content-type': 'application/json; charset=utf-8' } : {}),
    'x-github-media-type': 'github.v3; format=json',
    ...headers,
  });
  res.end(text);
}

/**
 * Starts the fake. GitHub's description is read once per process (first call ~0.4 s);
 * schemas are compiled on first use of each operation.
 */
export async function startGitHubFake(options: GitHubFakeOptions = {}): Promise<GitHubFake> {
  const api = await loadDescription();
  const state = new FakeState({
    owner: options.owner ?? 'tufci-test',
    repo: options.repo ?? 'repository',
    defaultBranch: options.defaultBranch ?? 'main',
    now: options.now ?? (() => new Date()),
    branchSha: options.branchSha ?? ((ref) => sha1(`branch:${ref}`)),
  });
  const requests: RecordedRequest[] = [];
  const violations: Violation[] = [];
  const handling: Handling = {
    api,
    routes: allRoutes(options),
    render: { state, apiUrl: '', serverUrl: options.serverUrl ?? 'https://github.com' },
    tokens: options.tokens ?? {},
    actor: options.actor ?? 'github-actions[bot]',
    validateResponses: options.validateResponses ?? true,
  };

  const server = createServer((req, res) => {
    readBody(req).then(
      (text) => {
        const url = new URL(req.url ?? '/', handling.render.apiUrl);
        const outcome = handleCall(handling, {
          method: (req.method ?? 'GET').toUpperCase(),
          url,
          authorization: req.headers.authorization,
          text,
        });
        requests.push(outcome.record);
        violations.push(...outcome.violations);
        send(res, outcome.reply.status, outcome.reply.body, outcome.reply.headers);
      },
      (error: unknown) => send(res, 400, { message: String(error) }),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  handling.render.apiUrl = url;

  return {
    url,
    state,
    requests,
    violations,
    ...userActions(state),
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
