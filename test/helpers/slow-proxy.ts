/**
 * A loopback HTTP proxy that attacks a client the way a hostile mirror would: for chosen
 * requests it answers slowly (headers, then the real body a byte at a time), never
 * answers at all, or sends an endless body. Other requests pass through unchanged (the
 * Host header is kept, so a registry behind it works). It records how many bytes each
 * hostile answer sent and whether the client hung up, so a test can show the client
 * stopped reading.
 */
import {
  createServer,
  request,
  type IncomingMessage,
  type RequestListener,
  type ServerResponse,
} from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';

type Hostility =
  /** The upstream answer, its body sent one byte every `msPerByte`. */
  | { drip: number }
  /** Accept the request and never answer. */
  | { stall: true }
  /** 200 with an endless body (chunked, no length), until the client hangs up or `cap` bytes. */
  | { endless: true; cap?: number };

interface HostileAnswer {
  url: string;
  mode: Hostility;
  /** Bytes of body written before the client hung up (or the cap was reached). */
  sent: number;
  /** True once the client closed the connection. */
  clientClosed: boolean;
}

export interface SlowProxy {
  /** `http://127.0.0.1:PORT/` (or https://, with a trailing slash). */
  url: string;
  /** `127.0.0.1:PORT`. */
  host: string;
  /** Makes requests whose path matches hostile (the last rule that matches wins); none: clear. */
  set(match: ((path: string) => boolean) | undefined, mode?: Hostility): void;
  answers: HostileAnswer[];
  close(): Promise<void>;
}

const CHUNK = Buffer.alloc(64 * 1024, 0x20);

/** `tls`: serve HTTPS with this PEM key and certificate (the upstream stays plain HTTP). */
export async function startSlowProxy(
  target: string,
  tls?: { key: string; cert: string },
): Promise<SlowProxy> {
  const upstream = new URL(target);
  let rule: { match: (path: string) => boolean; mode: Hostility } | undefined;
  const answers: HostileAnswer[] = [];
  const timers = new Set<NodeJS.Timeout>();

  const endless = (res: ServerResponse, a: HostileAnswer, cap: number): void => {
    res.writeHead(200, { 'content-type': 'application/octet-stream' });
    const pump = (): void => {
      while (!a.clientClosed && a.sent < cap) {
        a.sent += CHUNK.length;
        if (!res.write(CHUNK)) {
          res.once('drain', pump);
          return;
        }
      }
      if (!a.clientClosed) res.end();
    };
    pump();
  };

  const drip = (res: ServerResponse, up: IncomingMessage, a: HostileAnswer, ms: number): void => {
    res.writeHead(up.statusCode ?? 502, up.headers);
    const parts: Buffer[] = [];
    up.on('data', (c: Buffer) => parts.push(c));
    up.on('end', () => {
      const body = Buffer.concat(parts);
      const next = (): void => {
        if (a.clientClosed) return;
        if (a.sent >= body.length) return void res.end();
        res.write(body.subarray(a.sent, a.sent + 1));
        a.sent += 1;
        const t = setTimeout(() => {
          timers.delete(t);
          next();
        }, ms);
        timers.add(t);
      };
      next();
    });
  };

  const handler: RequestListener = (req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const hostile = rule && rule.match(path) ? rule.mode : undefined;
    const a: HostileAnswer | undefined = hostile
      ? { url: req.url ?? '/', mode: hostile, sent: 0, clientClosed: false }
      : undefined;
    if (a) {
      answers.push(a);
      res.on('close', () => (a.clientClosed = true));
    }
    if (a && 'stall' in a.mode) return void req.resume();
    if (a && 'endless' in a.mode) {
      req.resume();
      return endless(res, a, a.mode.cap ?? 2 ** 31);
    }
    const out = request(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
      },
      (up) => {
        if (a && 'drip' in a.mode) return drip(res, up, a, a.mode.drip);
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    out.on('error', () => res.socket?.destroy());
    req.pipe(out);
  };
  const server = tls ? createTlsServer(tls, handler) : createServer(handler);

  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as AddressInfo;
  return {
    url: `${tls ? 'https' : 'http'}://127.0.0.1:${port}/`,
    host: `127.0.0.1:${port}`,
    answers,
    set(match, mode) {
      rule = match && mode ? { match, mode } : undefined;
    },
    close: () =>
      new Promise<void>((ok) => {
        for (const t of timers) clearTimeout(t);
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}
