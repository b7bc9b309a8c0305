/**
 * tuf-js fetchers for static trees: a local directory (`file://` base URLs) and HTTP(S).
 * Both count bytes while reading and stop at TUF's length limit (the source is
 * destroyed: an endless body is never read past the limit, nor held open); an HTTP
 * request, headers and body, is bounded by a deadline, so a slow retrieval ends in a
 * refusal naming the file. Failures are tufci errors naming the file.
 *
 * Metadata (`downloadBytes`) is read into memory; targets (`downloadFile`) go through a
 * temporary file handed to tuf-js. HTTP is node:http(s) itself: Node's fetch (undici)
 * costs more to load than a whole lookup of one target (issue 10).
 */
import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import type { Fetcher } from 'tuf-js';
import { DownloadHTTPError, DownloadLengthMismatchError } from 'tuf-js/dist/error.js';
import { NetworkError, NotVerifiedError } from '../errors.js';

/** The file a URL names, for messages: its last path segment, decoded when possible. */
export function fileOfUrl(url: string): string {
  const last = url.replace(/\/+$/, '').split('/').pop() ?? url;
  try {
    return decodeURIComponent(last);
  } catch {
    return last;
  }
}

/** Default deadline of one HTTP request, headers and body (`verify --timeout`). */
export const DEFAULT_TIMEOUT_MS = 30_000;

/** The body of one file: its chunks, and a way to stop reading it early. */
interface Body {
  chunks: AsyncIterable<Uint8Array>;
  cancel(): void;
}

/**
 * A fetcher that reads at most `maxLength` bytes of any file: the count is checked as
 * each chunk arrives, and the source is stopped as soon as it is exceeded.
 */
abstract class LimitedFetcher implements Fetcher {
  protected abstract open(url: string): Promise<Body>;

  /** The error for a body that failed while being read. */
  protected readFailure(_url: string, e: unknown): unknown {
    return e;
  }

  /** Reads the body of `url`, handing each chunk to `take`, within `maxLength` bytes. */
  private async read(
    url: string,
    maxLength: number,
    take: (chunk: Uint8Array) => Promise<void> | void,
  ): Promise<void> {
    const body = await this.open(url);
    let received = 0;
    let complete = false;
    try {
      try {
        for await (const chunk of body.chunks) {
          received += chunk.length;
          if (received > maxLength)
            throw new DownloadLengthMismatchError(
              `more than the ${maxLength} bytes allowed (reading stopped there)`,
            );
          await take(chunk);
        }
      } catch (e) {
        if (e instanceof DownloadLengthMismatchError) throw e;
        throw this.readFailure(url, e);
      }
      complete = true;
    } finally {
      if (!complete) body.cancel();
    }
  }

  async downloadBytes(url: string, maxLength: number): Promise<Buffer> {
    const chunks: Uint8Array[] = [];
    await this.read(url, maxLength, (c) => void chunks.push(c));
    return Buffer.concat(chunks);
  }

  async downloadFile<T>(
    url: string,
    maxLength: number,
    handler: (file: string) => Promise<T>,
  ): Promise<T> {
    const dir = mkdtempSync(join(tmpdir(), 'tufci-fetch-'));
    try {
      const file = join(dir, 'download');
      const out = createWriteStream(file, { mode: 0o600 });
      let writeError: unknown;
      out.on('error', (e) => (writeError = e));
      try {
        await this.read(url, maxLength, async (chunk) => {
          if (writeError) throw writeError;
          if (!out.write(chunk))
            await new Promise<void>((ok) => {
              out.once('drain', () => ok());
              out.once('error', () => ok());
            });
        });
      } finally {
        out.end();
        await finished(out).catch(() => undefined);
      }
      if (writeError) throw writeError;
      return await handler(file);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
}

/** Reads a published tree from a local directory, given as a `file://` base URL. */
class DirFetcher extends LimitedFetcher {
  protected override open(url: string): Promise<Body> {
    const path = fileURLToPath(url);
    let isFile = false;
    try {
      isFile = statSync(path).isFile();
    } catch {
      isFile = false;
    }
    if (!isFile) throw new DownloadHTTPError(`${fileOfUrl(url)}: not found`, 404);
    const stream = createReadStream(path);
    return Promise.resolve({ chunks: stream, cancel: () => stream.destroy() });
  }
}

export function dirFetcher(): Fetcher {
  return new DirFetcher();
}

export function dirUrl(dir: string): string {
  return new URL(`file://${join(dir, '/')}`).href;
}

export interface HttpFetcherOptions {
  /** Milliseconds before a request (headers and body) is abandoned. Default 30 s. */
  timeoutMs?: number;
  userAgent?: string;
}

/** Redirects followed for one file, as fetch follows them. */
const MAX_REDIRECTS = 20;

/** The error a passed deadline destroys a request or its answer with. */
class Deadline extends Error {
  override name = 'TimeoutError';
}

/** HTTP(S) through node:http(s); a non-2xx answer is a DownloadHTTPError, as tuf-js expects. */
class HttpFetcher extends LimitedFetcher {
  constructor(private readonly o: HttpFetcherOptions) {
    super();
  }

  private get timeoutMs(): number {
    return this.o.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  protected override async open(url: string): Promise<Body> {
    // one deadline for the file: every redirect, the headers and the whole body
    const deadline = Date.now() + this.timeoutMs;
    let at = url;
    for (let hop = 0; ; hop++) {
      const res = await this.get(url, at, deadline);
      const status = res.statusCode ?? 0;
      const location = res.headers.location;
      if ([301, 302, 303, 307, 308].includes(status) && location) {
        res.destroy();
        if (hop >= MAX_REDIRECTS)
          throw new NetworkError(`${url}: more than ${MAX_REDIRECTS} redirects`);
        at = new URL(location, at).href;
        continue;
      }
      if (status < 200 || status > 299) {
        res.destroy();
        throw new DownloadHTTPError(`${fileOfUrl(url)}: HTTP ${status}`, status);
      }
      return { chunks: res, cancel: () => res.destroy() };
    }
  }

  /** One GET of `at` (`url` after redirects); the answer is destroyed at the deadline. */
  private async get(url: string, at: string, deadline: number): Promise<IncomingMessage> {
    const target = new URL(at);
    let request = httpRequest;
    if (target.protocol === 'https:') request = (await import('node:https')).request;
    else if (target.protocol !== 'http:')
      throw new NetworkError(`${url}: redirected to ${target.protocol} (only http(s) is read)`);
    return new Promise<IncomingMessage>((answer, fail) => {
      const req = request(target, {
        headers: { 'user-agent': this.o.userAgent ?? 'tufci' },
      });
      const timer = setTimeout(() => {
        const e = new Deadline('deadline passed');
        req.destroy(e);
        res?.destroy(e);
      }, deadline - Date.now());
      let res: IncomingMessage | undefined;
      req.on('response', (r) => {
        res = r;
        r.once('close', () => clearTimeout(timer));
        answer(r);
      });
      req.on('error', (e) => {
        clearTimeout(timer);
        if (res) return; // the body's reader sees it
        if (isTimeout(e)) fail(this.slow(url, 'no answer'));
        else fail(new NetworkError(`${url}: ${describeNetworkError(e)}`, { cause: e }));
      });
      req.end();
    });
  }

  protected override readFailure(url: string, e: unknown): unknown {
    return isTimeout(e) ? this.slow(url, 'the body was not complete') : e;
  }

  /** A slow retrieval: the deadline passed before the file was complete. */
  private slow(url: string, what: string): NotVerifiedError {
    const s = Math.round(this.timeoutMs / 100) / 10;
    return new NotVerifiedError(
      `${fileOfUrl(url)}: slow retrieval: ${what} within ${s} s (--timeout); refused`,
    );
  }
}

export function httpFetcher(o: HttpFetcherOptions = {}): Fetcher {
  return new HttpFetcher(o);
}

function isTimeout(e: unknown): boolean {
  for (let x = e, depth = 0; x && typeof x === 'object' && depth < 4; depth++) {
    if ((x as Error).name === 'TimeoutError') return true;
    x = (x as { cause?: unknown }).cause;
  }
  return false;
}

function describeNetworkError(e: unknown): string {
  const err = e as Error & { code?: string; cause?: { code?: string } };
  const code = err?.code ?? err?.cause?.code;
  return code ? `cannot connect (${code})` : `request failed (${err?.message ?? String(e)})`;
}
