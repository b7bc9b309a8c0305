/**
 * A token server and a gate in front of a real registry that demands bearer tokens, for
 * the bearer-flow tests (docker-registry itself only does basic auth).
 */
import { randomBytes } from 'node:crypto';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface BearerGate {
  host: string;
  /** Token requests seen: their scopes and whether basic credentials came with them. */
  tokenRequests: { scopes: string[]; service: string | null; user?: string }[];
  /** Requests the gate saw, with the status it answered itself (401) or forwarded. */
  requests: { method: string; url: string; status: number }[];
  close(): Promise<void>;
}

async function listen(server: Server): Promise<number> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as AddressInfo).port;
}

/** Needed scope of a registry request: `repository:<name>:pull` or `pull,push`. */
function neededScope(method: string, path: string): string | undefined {
  const m = /^\/v2\/(.+?)\/(blobs|manifests|tags|referrers)\//.exec(path);
  if (!m) return undefined;
  return `repository:${m[1]}:${method === 'GET' || method === 'HEAD' ? 'pull' : 'pull,push'}`;
}

export async function startBearerGate(
  registryUrl: string,
  users: Record<string, string>,
  options: { expiresIn?: number } = {},
): Promise<BearerGate> {
  const tokens = new Map<string, string[]>();
  const tokenRequests: BearerGate['tokenRequests'] = [];
  const requests: BearerGate['requests'] = [];

  const tokenServer = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const scopes = url.searchParams.getAll('scope');
    const auth = req.headers.authorization;
    let user: string | undefined;
    if (auth?.startsWith('Basic ')) {
      const [u, p] = Buffer.from(auth.slice(6), 'base64').toString().split(':');
      if (!u || users[u] !== p) return void res.writeHead(401).end('{"details":"bad credentials"}');
      user = u;
    }
    tokenRequests.push({ scopes, service: url.searchParams.get('service'), user });
    if (!user) return void res.writeHead(401).end('{"details":"anonymous access denied"}');
    const token = randomBytes(16).toString('hex');
    tokens.set(token, scopes);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ token, expires_in: options.expiresIn ?? 300 }));
  });
  const tokenPort = await listen(tokenServer);
  const upstream = new URL(registryUrl);

  const gate = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const scope = neededScope(req.method ?? 'GET', path);
    const granted = tokens.get((req.headers.authorization ?? '').replace(/^Bearer /, ''));
    const ok =
      granted &&
      (!scope || granted.some((g) => g === scope || g === scope.replace(/:pull$/, ':pull,push')));
    // A mount also needs pull on the source repository.
    const from = new URL(req.url ?? '/', 'http://x').searchParams.get('from');
    const mountOk = !from || granted?.includes(`repository:${from}:pull`);
    if (!ok || !mountOk) {
      requests.push({ method: req.method ?? '', url: req.url ?? '', status: 401 });
      const scopeParam = scope ? `,scope="${scope}"` : '';
      res.writeHead(401, {
        'www-authenticate': `Bearer realm="http://127.0.0.1:${tokenPort}/token",service="gate"${scopeParam}`,
        'content-type': 'application/json',
      });
      req.resume();
      return void res.end(
        '{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}',
      );
    }
    const headers = { ...req.headers };
    delete headers.authorization;
    const out = request(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers },
      (up) => {
        requests.push({ method: req.method ?? '', url: req.url ?? '', status: up.statusCode ?? 0 });
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    req.pipe(out);
  });
  const gatePort = await listen(gate);
  return {
    host: `127.0.0.1:${gatePort}`,
    tokenRequests,
    requests,
    close: async () => {
      for (const s of [gate, tokenServer]) {
        s.closeAllConnections();
        await new Promise((r) => s.close(r));
      }
    },
  };
}
