/**
 * A loopback HTTP proxy in front of a registry (or moto's KMS) that fails chosen requests: answer with a
 * status (e.g. 500, or 429 with Retry-After), drop the connection before answering, or
 * cut the response body short. It keeps the Host header, so the registry's upload
 * Locations point back at the proxy. Every request is logged.
 */
import { createServer, request, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';

type Fault =
  | { status: number; headers?: Record<string, string>; body?: string }
  /** Destroy the socket without answering. */
  | { destroy: true }
  /** Forward, but send only half of the response body, then destroy the socket. */
  | { truncate: true };

interface ProxiedRequest {
  method: string;
  /** Path and query. */
  url: string;
  headers: IncomingHttpHeaders;
  /** The request body, complete once the request was answered. */
  body: Buffer;
  /** Status sent to the client; 0 when the connection was dropped. */
  status: number;
  fault?: Fault;
}

interface Rule {
  match: (req: IncomingMessage, nth: number) => boolean;
  fault: Fault;
  times: number;
}

export interface FaultProxy {
  /** `127.0.0.1:PORT` */
  host: string;
  url: string;
  /** Requests seen, in order of arrival (status filled in when answered). */
  requests: ProxiedRequest[];
  /** Fail the `nth` request (1-based, counted since start) with `fault`. */
  failNth(nth: number, fault: Fault): void;
  /**
   * Fail the next `times` requests that `match` with `fault` (headers tell apart the
   * operations of JSON-RPC services such as AWS KMS, which all POST to `/`).
   */
  failMatching(
    match: (method: string, url: string, headers: IncomingHttpHeaders) => boolean,
    fault: Fault,
    times?: number,
  ): void;
  close(): Promise<void>;
}

export async function startFaultProxy(target: string): Promise<FaultProxy> {
  const upstream = new URL(target);
  const rules: Rule[] = [];
  const requests: ProxiedRequest[] = [];

  const server = createServer((req, res) => {
    const entry: ProxiedRequest = {
      method: req.method ?? 'GET',
      url: req.url ?? '/',
      headers: req.headers,
      body: Buffer.alloc(0),
      status: 0,
    };
    req.on('data', (chunk: Buffer) => (entry.body = Buffer.concat([entry.body, chunk])));
    requests.push(entry);
    const nth = requests.length;
    const rule = rules.find((r) => r.times > 0 && r.match(req, nth));
    if (rule) {
      rule.times--;
      entry.fault = rule.fault;
    }
    const fault = rule?.fault;
    if (fault && 'destroy' in fault) {
      req.socket.destroy();
      return;
    }
    if (fault && 'status' in fault) {
      req.resume();
      req.on('end', () => {
        entry.status = fault.status;
        res.writeHead(fault.status, { 'content-type': 'application/json', ...fault.headers });
        res.end(fault.body ?? '{"errors":[{"code":"UNKNOWN","message":"injected fault"}]}');
      });
      return;
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
        entry.status = up.statusCode ?? 0;
        res.writeHead(up.statusCode ?? 502, up.headers);
        if (fault && 'truncate' in fault) {
          const length = Number(up.headers['content-length'] ?? 2);
          let sent = 0;
          up.on('data', (chunk: Buffer) => {
            const room = Math.floor(length / 2) - sent;
            if (room > 0) res.write(chunk.subarray(0, room));
            sent += Math.min(room, chunk.length);
            if (sent >= Math.floor(length / 2)) {
              up.destroy();
              res.socket?.destroy();
            }
          });
          return;
        }
        up.pipe(res);
      },
    );
    out.on('error', () => res.socket?.destroy());
    req.pipe(out);
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    host: `127.0.0.1:${port}`,
    url: `http://127.0.0.1:${port}`,
    requests,
    failNth(nth, fault) {
      rules.push({ match: (_req, n) => n === nth, fault, times: 1 });
    },
    failMatching(match, fault, times = 1) {
      rules.push({
        match: (req) => match(req.method ?? 'GET', req.url ?? '/', req.headers),
        fault,
        times,
      });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
