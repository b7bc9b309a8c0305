/**
 * The exchange under HttpTransport: node:http(s) with keep-alive agents, not Node's
 * fetch. Registry traffic is many small requests (two per blob upload, one per
 * manifest); undici's fetch spends about twice the CPU per request on Request, Headers,
 * web streams and abort plumbing, which on a small machine competes with the registry
 * itself. The answer keeps the small part of the fetch Response shape the transport
 * reads: status, headers.get, and a body to iterate or cancel. Tests may pass Node's
 * fetch instead (it has that shape).
 */
import { Agent, request as httpRequest, type IncomingMessage } from 'node:http';
import type { Agent as HttpsAgent } from 'node:https';

/** What the transport reads of an answer; Node's fetch Response has this shape. */
export interface HttpResponse {
  readonly status: number;
  readonly headers: { get(name: string): string | null };
  /** Iterate with `for await` (chunks of bytes); `cancel()` drops what is left. */
  readonly body: { cancel(): Promise<void> } | null;
}

interface FetchInit {
  method: string;
  /** Header names in lower case. */
  headers: Record<string, string>;
  body?: Uint8Array | undefined;
  redirect: 'manual';
  signal?: AbortSignal | undefined;
}

/** The exchange HttpTransport makes one request with; redirects are not followed. */
export type FetchLike = (url: URL, init: FetchInit) => Promise<HttpResponse>;

/** A connection silent this long (waiting for headers or within a body) fails with ETIMEDOUT, as undici's fetch does. */
const IDLE_MS = 300_000;

/** An unread rest at most this long is read off (keeping the connection) instead of dropped. */
const DRAIN_LIMIT = 256 * 1024;

const httpAgent = new Agent({ keepAlive: true });
let httpsModule: Promise<{ request: typeof httpRequest; agent: HttpsAgent }> | undefined;

function https(): Promise<{ request: typeof httpRequest; agent: HttpsAgent }> {
  httpsModule ??= import('node:https').then((m) => ({
    request: m.request,
    agent: new m.Agent({ keepAlive: true }),
  }));
  return httpsModule;
}

class NodeBody implements AsyncIterable<Uint8Array> {
  constructor(private readonly message: IncomingMessage) {}

  [Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    return this.message[Symbol.asyncIterator]() as AsyncIterator<Uint8Array>;
  }

  async cancel(): Promise<void> {
    const m = this.message;
    if (m.readableEnded || m.destroyed) return;
    const length = Number(m.headers['content-length'] ?? NaN);
    // A short (or already received) rest is read off, so that the connection is freed for
    // the next request; only then does it end, even when it was empty.
    if (m.complete || (Number.isFinite(length) && length <= DRAIN_LIMIT)) {
      const ended = new Promise<void>((r) => {
        m.once('end', r);
        m.once('close', r);
      });
      m.resume();
      await ended;
    } else m.destroy();
  }
}

class NodeResponse implements HttpResponse {
  readonly status: number;
  readonly body: NodeBody;
  readonly headers: { get(name: string): string | null };

  constructor(message: IncomingMessage) {
    this.status = message.statusCode ?? 0;
    this.body = new NodeBody(message);
    const raw = message.headers;
    this.headers = {
      get(name: string): string | null {
        const v = raw[name.toLowerCase()];
        if (v === undefined) return null;
        return Array.isArray(v) ? v.join(', ') : v;
      },
    };
  }
}

const BODYLESS = new Set(['GET', 'HEAD']);

/** One request through node:http(s), answered once the headers arrive. */
export const nodeFetch: FetchLike = async (url, init) => {
  let request = httpRequest;
  let agent: Agent | HttpsAgent = httpAgent;
  if (url.protocol === 'https:') ({ request, agent } = await https());
  else if (url.protocol !== 'http:') throw new TypeError(`${url.protocol} is not http(s)`);
  const headers: Record<string, string | number> = { ...init.headers };
  if (init.body !== undefined || !BODYLESS.has(init.method))
    headers['content-length'] = init.body?.length ?? 0;
  return new Promise<HttpResponse>((resolve, reject) => {
    const req = request(url, {
      method: init.method,
      headers,
      agent,
      timeout: IDLE_MS,
      ...(init.signal ? { signal: init.signal } : {}),
    });
    req.once('timeout', () =>
      req.destroy(
        Object.assign(new Error(`no data for ${IDLE_MS / 1000} s`), { code: 'ETIMEDOUT' }),
      ),
    );
    req.once('response', (message) => {
      // errors while the body is read reach its reader; none may go unheard
      message.on('error', () => undefined);
      resolve(new NodeResponse(message));
    });
    req.on('error', reject); // after the answer, a no-op: the body's reader sees it
    req.end(
      init.body === undefined
        ? undefined
        : Buffer.from(init.body.buffer, init.body.byteOffset, init.body.byteLength),
    );
  });
};
