/**
 * Registry authentication: anonymous, basic, and the bearer-token flow
 * (`WWW-Authenticate: Bearer realm=...,service=...,scope=...`), with tokens cached per scope.
 */
import type { Credentials } from './credentials.js';
import { OciError } from '../errors.js';
import { isLoopbackHost } from '../reference.js';

export interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

/** Parses a WWW-Authenticate header into its challenges (scheme lower-cased, params by lower-cased name). */
export function parseChallenges(header: string): Challenge[] {
  const out: Challenge[] = [];
  const token = /[A-Za-z0-9!#$%&'*+.^_`|~-]+/y;
  const quoted = /"((?:[^"\\]|\\.)*)"/y;
  const bare = /[^,\s]*/y;
  let i = 0;
  const read = (re: RegExp): RegExpExecArray | null => {
    re.lastIndex = i;
    const m = re.exec(header);
    if (m) i = re.lastIndex;
    return m;
  };
  while (i < header.length) {
    while (i < header.length && /[\s,]/.test(header[i]!)) i++;
    const name = read(token);
    if (!name) break;
    while (header[i] === ' ') i++;
    if (header[i] !== '=') {
      out.push({ scheme: name[0].toLowerCase(), params: {} });
      continue;
    }
    i++;
    while (header[i] === ' ') i++;
    const q = read(quoted);
    const value = q ? q[1]!.replace(/\\(.)/g, '$1') : (read(bare)?.[0] ?? '');
    const current = out[out.length - 1];
    if (current) current.params[name[0].toLowerCase()] = value;
  }
  return out;
}

/** Fetches a token endpoint; implemented by the transport (no auth, with retries). */
export type TokenFetch = (
  url: string,
  headers: Record<string, string>,
) => Promise<{ status: number; text: string }>;

interface CachedToken {
  token: string;
  expiresAt?: number;
}

export class Authenticator {
  private scheme: 'none' | 'basic' | 'bearer' = 'none';
  private realm?: { realm: string; service?: string };
  private readonly tokens = new Map<string, CachedToken>();
  /** Token fetches under way, so parallel requests for one scope share one fetch. */
  private readonly pending = new Map<string, Promise<string>>();

  constructor(
    private readonly registry: string,
    private readonly credentials: Credentials | undefined,
    private readonly fetchToken: TokenFetch,
    private readonly now?: () => number,
  ) {}

  /** The Authorization header for a request needing `scopes`, if the scheme is known yet. */
  async authorization(scopes: readonly string[]): Promise<string | undefined> {
    if (this.scheme === 'basic') return this.basic();
    if (this.scheme !== 'bearer') return undefined;
    const cached = this.tokens.get(scopeKey(scopes));
    if (cached && (cached.expiresAt === undefined || !this.now || this.now() < cached.expiresAt)) {
      return `Bearer ${cached.token}`;
    }
    return `Bearer ${await this.sharedToken(scopes, scopes)}`;
  }

  /** A new token for `scopes`, cached under `keyScopes`; one fetch at a time per key. */
  private sharedToken(keyScopes: readonly string[], scopes: readonly string[]): Promise<string> {
    const key = scopeKey(keyScopes);
    let pending = this.pending.get(key);
    if (!pending) {
      pending = this.newToken(keyScopes, scopes).finally(() => this.pending.delete(key));
      this.pending.set(key, pending);
    }
    return pending;
  }

  /**
   * Learns from a 401. Returns true when the request should be sent again with a new
   * `authorization()`; false when nothing would change (no credentials, or they were refused).
   */
  async unauthorized(
    header: string | null,
    scopes: readonly string[],
    sent?: string,
  ): Promise<boolean> {
    const challenges = parseChallenges(header ?? '');
    const bearer = challenges.find((c) => c.scheme === 'bearer' && c.params.realm);
    if (bearer) {
      this.scheme = 'bearer';
      this.realm = { realm: bearer.params.realm!, service: bearer.params.service };
      const asked = (bearer.params.scope ?? '').split(' ').filter(Boolean);
      const key = scopeKey(scopes);
      const cached = this.tokens.get(key);
      // Parallel requests: another one may already have fetched (or be fetching) a token.
      if (this.pending.has(key)) await this.pending.get(key);
      else if (!cached || sent === `Bearer ${cached.token}`) {
        this.tokens.delete(key);
        await this.sharedToken(scopes, [...new Set([...scopes, ...asked])]);
      }
      return true;
    }
    if (challenges.some((c) => c.scheme === 'basic') && this.credentials) {
      if (sent?.startsWith('Basic ')) return false;
      this.scheme = 'basic';
      return true;
    }
    return false;
  }

  private basic(): string | undefined {
    if (!this.credentials) return undefined;
    const { username, password } = this.credentials;
    return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
  }

  private async newToken(keyScopes: readonly string[], scopes: readonly string[]): Promise<string> {
    const { realm, service } = this.realm!;
    const context = { operation: 'get bearer token', registry: this.registry };
    let url: URL;
    try {
      url = new URL(realm);
    } catch {
      throw new OciError('unauthorized', context, 'the registry named an invalid token realm');
    }
    if (service) url.searchParams.set('service', service);
    for (const s of scopes) url.searchParams.append('scope', s);
    const headers: Record<string, string> = { accept: 'application/json' };
    const basic = this.basic();
    if (basic) {
      if (url.protocol !== 'https:' && !isLoopbackHost(url.host)) {
        throw new OciError(
          'unauthorized',
          context,
          `refusing to send credentials to ${url.origin}`,
        );
      }
      headers.authorization = basic;
    }
    const res = await this.fetchToken(url.toString(), headers);
    if (res.status !== 200) {
      throw new OciError('unauthorized', { ...context, status: res.status }, `from ${url.origin}`);
    }
    let body: { token?: unknown; access_token?: unknown; expires_in?: unknown };
    try {
      body = JSON.parse(res.text) as typeof body;
    } catch {
      throw new OciError('unauthorized', context, `${url.origin} answered with no JSON`);
    }
    const token = typeof body.token === 'string' ? body.token : body.access_token;
    if (typeof token !== 'string' || token === '') {
      throw new OciError('unauthorized', context, `${url.origin} answered with no token`);
    }
    const lifetime = typeof body.expires_in === 'number' ? body.expires_in : 60;
    // Renew 10 s early so a token does not expire on the way.
    const expiresAt = this.now ? this.now() + Math.max(lifetime - 10, 1) * 1000 : undefined;
    this.tokens.set(scopeKey(keyScopes), { token, expiresAt });
    return token;
  }
}

function scopeKey(scopes: readonly string[]): string {
  return [...scopes].sort().join(' ');
}
