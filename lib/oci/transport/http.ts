/**
 * The HTTP transport under the registry client: node:http(s) (node-fetch.ts) with retries and backoff,
 * authentication on 401, and redirects followed by hand so credentials stay on the
 * registry's own origin.
 */
import type { Authenticator } from './auth.js';
import { nodeFetch, type FetchLike, type HttpResponse } from './node-fetch.js';
import { OciError, type OciErrorContext } from '../errors.js';
import {
  DEFAULT_RETRY_POLICY,
  isNetworkError,
  isRetryableStatus,
  retryDelay,
  type RetryPolicy,
} from './retry-policy.js';

interface OciLogger {
  debug(message: string): void;
}

export interface HttpOptions {
  /** Defaults to node:http(s) with keep-alive (node-fetch.ts); Node's fetch also fits. */
  fetch?: FetchLike;
  /** Waits between retries; defaults to a setTimeout promise. Tests pass a recorder. */
  sleep?: (ms: number) => Promise<void>;
  /** Milliseconds since the epoch; used for token expiry and Retry-After dates only. */
  now?: () => number;
  retry?: Partial<RetryPolicy>;
  /** Called after every HTTP exchange (status 0 when the connection failed). Query secrets are redacted. */
  onRequest?: (method: string, url: string, status: number) => void;
  logger?: OciLogger;
  userAgent?: string;
  /**
   * Milliseconds one attempt (every redirect and the whole body included) may take; past
   * it the request fails with an OciError of kind `timeout`, not retried. Default: none.
   */
  timeoutMs?: number;
}

export interface HttpRequest {
  method: string;
  url: string;
  /** Header names in lower case. */
  headers?: Record<string, string>;
  body?: Uint8Array;
  /** Token scopes the request needs, e.g. `repository:a/b:pull`. */
  scopes?: readonly string[];
  /** Set false for requests that must not carry registry credentials (token fetches). */
  auth?: boolean;
  /** Set false for requests that are not safe to repeat (PATCH of an upload chunk). */
  retry?: boolean;
  /** Names the request in errors and logs. */
  context: OciErrorContext;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 10;
const defaultSleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export class HttpTransport {
  authenticator?: Authenticator;
  private readonly policy: RetryPolicy;
  private readonly fetchFn: FetchLike;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(
    /** `http(s)://host[:port]` of the registry: the only origin that gets its credentials. */
    readonly origin: string,
    private readonly options: HttpOptions = {},
  ) {
    this.policy = { ...DEFAULT_RETRY_POLICY, ...options.retry };
    this.fetchFn = options.fetch ?? nodeFetch;
    this.sleep = options.sleep ?? defaultSleep;
  }

  /**
   * Sends `req` and hands the final response to `handle`. Retries, within the policy,
   * on 429 and 5xx and whenever the connection fails, also while `handle` reads the body.
   */
  async request<T>(req: HttpRequest, handle: (res: HttpResponse) => Promise<T>): Promise<T> {
    const canRetry = req.retry !== false;
    for (let attempt = 1; ; attempt++) {
      const last = !canRetry || attempt >= this.policy.maxAttempts;
      let res: HttpResponse;
      const ms = this.options.timeoutMs;
      const signal = ms === undefined ? undefined : AbortSignal.timeout(ms);
      try {
        res = await this.exchange(req, signal);
        if (!last && isRetryableStatus(res.status)) {
          await discard(res);
          await this.backoff(req, attempt, `HTTP ${res.status}`, res.headers.get('retry-after'));
          continue;
        }
        try {
          return await handle(res);
        } finally {
          // what the handler left unread goes, so the connection is free again
          await discard(res);
        }
      } catch (e) {
        if (signal?.aborted && !(e instanceof OciError && e.kind !== 'network'))
          throw new OciError('timeout', req.context, `no complete answer within ${ms! / 1000} s`, {
            cause: e,
          });
        if (e instanceof OciError || !isNetworkError(e)) throw e;
        if (last) {
          const tries = attempt > 1 ? ` after ${attempt} attempts` : '';
          throw new OciError('network', req.context, `connection failed${tries} (${describe(e)})`, {
            cause: e,
          });
        }
        await this.backoff(req, attempt, describe(e), null);
      }
    }
  }

  /** Attempts allowed for one operation, the first included. */
  get maxAttempts(): number {
    return this.policy.maxAttempts;
  }

  /** Waits before attempt `attempt + 1` of some operation, logging why. */
  async wait(attempt: number, what: string, retryAfter: string | null = null): Promise<void> {
    const ms = retryDelay(this.policy, attempt, retryAfter, this.options.now);
    this.options.logger?.debug(
      `${what}; retry ${attempt + 1}/${this.policy.maxAttempts} in ${ms} ms`,
    );
    await this.sleep(ms);
  }

  private backoff(req: HttpRequest, attempt: number, why: string, retryAfter: string | null) {
    return this.wait(attempt, `${req.method} ${redactUrl(req.url)}: ${why}`, retryAfter);
  }

  /** One logical exchange: follows redirects and answers one auth challenge. */
  private async exchange(req: HttpRequest, signal?: AbortSignal): Promise<HttpResponse> {
    let url = new URL(req.url);
    const firstOrigin = url.origin;
    let method = req.method;
    let body = req.body;
    let challenged = false;
    for (let hops = 0; ;) {
      const headers: Record<string, string> = { ...req.headers };
      if (url.origin !== firstOrigin) delete headers.authorization;
      if (this.options.userAgent) headers['user-agent'] = this.options.userAgent;
      const useAuth = req.auth !== false && url.origin === this.origin && this.authenticator;
      const sent = useAuth ? await this.authenticator!.authorization(req.scopes ?? []) : undefined;
      if (sent) headers.authorization = sent;
      let res: HttpResponse;
      try {
        res = await this.fetchFn(url, { method, headers, body, redirect: 'manual', signal });
      } catch (e) {
        this.options.onRequest?.(method, redactUrl(url.toString()), 0);
        throw e;
      }
      this.options.onRequest?.(method, redactUrl(url.toString()), res.status);
      if (res.status === 401 && useAuth && !challenged) {
        challenged = true;
        const header = res.headers.get('www-authenticate');
        if (await this.authenticator!.unauthorized(header, req.scopes ?? [], sent)) {
          await discard(res);
          continue;
        }
        return res;
      }
      const location = res.headers.get('location');
      if (REDIRECTS.has(res.status) && location) {
        if (++hops > MAX_REDIRECTS) {
          throw new OciError('http', req.context, `more than ${MAX_REDIRECTS} redirects`);
        }
        await discard(res);
        url = new URL(location, url);
        if (res.status === 303 || (res.status <= 302 && method === 'POST')) {
          method = method === 'HEAD' ? 'HEAD' : 'GET';
          body = undefined;
        }
        continue;
      }
      return res;
    }
  }
}

/** Drops a response body we will not read. */
export async function discard(res: HttpResponse): Promise<void> {
  try {
    await res.body?.cancel();
  } catch {
    // Nothing to do: the body is unwanted.
  }
}

const SECRET_PARAM = /sig|token|credential|secret|key|auth|pass/i;

/** A URL fit for logs and errors: no userinfo, and secret-looking query values replaced. */
export function redactUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return '<invalid url>';
  }
  url.username = '';
  url.password = '';
  for (const name of [...url.searchParams.keys()]) {
    if (SECRET_PARAM.test(name)) url.searchParams.set(name, 'REDACTED');
  }
  return url.toString();
}

function describe(e: unknown): string {
  const err = e as { message?: string; cause?: { code?: string; message?: string } };
  const code = err.cause?.code ?? err.cause?.message;
  return code ? `${err.message}: ${code}` : String(err.message ?? e);
}
