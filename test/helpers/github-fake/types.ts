// The fake's public types: options, recorded requests and violations.

import type { Clock } from './state.js';

export interface GitHubFakeOptions {
  /** Repository owner (default `tufci-test`). */
  owner?: string;
  /** Repository name (default `repository`). */
  repo?: string;
  /** Default branch (default `main`). */
  defaultBranch?: string;
  /** Clock for created/updated/closed times (default: the real clock). */
  now?: Clock;
  /** Login of the user behind any token not listed in `tokens` (default `github-actions[bot]`). */
  actor?: string;
  /** Token → login, so tests can act as several users. */
  tokens?: Record<string, string>;
  /**
   * Head commit of a branch, or undefined when it does not exist (pull requests and
   * dispatches to a missing branch get GitHub's 422). Default: every branch exists,
   * with a sha derived from its name. e2e tests can read their bare remote here.
   */
  branchSha?: (ref: string) => string | undefined;
  /** Workflow ids/file names that exist; dispatching another one gets 404. Default: any. */
  workflows?: string[];
  /** Web URL used in `html_url`s (default `https://github.com`). */
  serverUrl?: string;
  /** Check the fake's own responses against the description too (default true). */
  validateResponses?: boolean;
}

export type ViolationKind =
  /** No `Authorization: token …` / `Bearer …` header. */
  | 'auth'
  /** Not in GitHub's description, or not served by the fake. */
  | 'unhandled endpoint'
  /** Parameters or body do not match the operation in the description. */
  | 'request'
  /** A GraphQL request the fake (or GitHub) would reject. */
  | 'graphql'
  /** Valid per the schema but not what the client meant (e.g. a filter GitHub ignores). */
  | 'semantics'
  /** The fake's own response does not match the description: a bug in the fake. */
  | 'response'
  /** The fake threw: a bug in the fake. */
  | 'fake';

export interface Violation {
  kind: ViolationKind;
  method: string;
  /** Request path without the query string. */
  path: string;
  message: string;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  /** Parsed JSON body, or undefined when none was sent. */
  body: unknown;
  /** Login of the token's user; undefined without a token. */
  actor: string | undefined;
  /** `operationId` from the description (e.g. `pulls/create`), or `graphql`. */
  operationId: string | undefined;
  status: number;
}
