/**
 * The `pkcs11` signing method as the CLI uses it: a YubiKey's PIV slot 9c through
 * ykcs11 by default, any token key by `pkcs11-module` and `pkcs11-key` in
 * `.tufci.yaml`. The PIN comes from `TUFCI_PIN` (automation) or a prompt without echo,
 * is kept for one command only, and is forgotten as soon as the token rejects it.
 */
import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import {
  defaultYkcs11ModulePath,
  type KeySelector,
  parseKeySelector,
  parsePkcs11Uri,
  type PinCallback,
  type PinRequest,
  Pkcs11Signer,
} from '../lib/signers/pkcs11/signer.js';
import { type Signer } from '../lib/signers/signer.js';
import { type TufPublicKey } from '../lib/tuf/types.js';
import { SignerError, UserError } from '../lib/errors.js';
import type { Ctx, SignerConfig } from './context.js';

/** Where ykcs11 installs, most likely first, per `process.platform`. */
const YKCS11_CANDIDATES: Record<string, string[]> = {
  linux: [
    '/usr/lib/x86_64-linux-gnu/libykcs11.so',
    '/usr/lib/aarch64-linux-gnu/libykcs11.so',
    '/usr/lib64/libykcs11.so',
    '/usr/lib/libykcs11.so',
    '/usr/local/lib/libykcs11.so',
  ],
  darwin: ['/usr/local/lib/libykcs11.dylib', '/opt/homebrew/lib/libykcs11.dylib'],
};

/**
 * The module to load: the configured one (relative paths from the working directory),
 * else the first ykcs11 installed on this platform, else ykcs11's usual path (so the
 * "not found" message names it).
 */
export function pkcs11ModulePath(
  configured: string | undefined,
  cwd: string,
  platform: string = process.platform,
  exists: (path: string) => boolean = existsSync,
): string {
  if (configured !== undefined && configured !== '') {
    // a bare file name is left to the dynamic loader's search path
    return isAbsolute(configured) || !configured.includes('/')
      ? configured
      : resolve(cwd, configured);
  }
  const found = (YKCS11_CANDIDATES[platform] ?? []).find((p) => exists(p));
  return found ?? defaultYkcs11ModulePath(platform);
}

/** Which token and key `pkcs11-key` names: a selector ("9c", "id:02", a label) or a `pkcs11:` URI. */
export interface KeyChoice {
  token?: string;
  key: KeySelector;
  /** A module path the URI carries (it wins over `pkcs11-module`). */
  modulePath?: string;
}

export function parseKeyChoice(text: string | undefined, where = 'pkcs11-key'): KeyChoice {
  const s = (text ?? '').trim();
  if (!/^pkcs11:/i.test(s)) {
    try {
      return { key: parseKeySelector(s) };
    } catch (err) {
      throw new UserError(`${where}: ${(err as Error).message}`);
    }
  }
  let uri;
  try {
    uri = parsePkcs11Uri(s);
  } catch (err) {
    throw new UserError(`${where}: ${(err as Error).message}`);
  }
  return {
    ...(uri.token === undefined ? {} : { token: uri.token }),
    key: {
      ...(uri.object === undefined ? {} : { label: uri.object }),
      ...(uri.id === undefined ? {} : { id: uri.id }),
    },
    ...(uri.modulePath === undefined ? {} : { modulePath: uri.modulePath }),
  };
}

/** A PIN the token rejected, so a cached copy must go (incorrect, bad format, locked). */
export function isPinRejected(err: unknown): boolean {
  return (
    err instanceof SignerError &&
    (err.state === 'pin-incorrect' || err.state === 'pin-invalid' || err.state === 'pin-locked')
  );
}

function isPinLocked(err: unknown): boolean {
  return err instanceof SignerError && err.state === 'pin-locked';
}

/** PINs typed or configured during one command, by token label. */
export interface PinSource {
  /** The PinCallback the signer calls once it knows the token. */
  pin: PinCallback;
  /** Drops the PIN of `token` (every token when omitted). */
  forget(token?: string): void;
  /** Whether the last PIN handed out was typed at the prompt (so asking again makes sense). */
  readonly lastTyped: boolean;
}

export interface PinSourceOptions {
  env: Record<string, string | undefined>;
  askSecret?: (question: string) => Promise<string>;
  /** Environment variables to read, first set wins. */
  envVars: string[];
  /** What the person is told when neither a variable nor a terminal is there. */
  missing: (request: PinRequest) => string;
}

export function pinSource(o: PinSourceOptions): PinSource {
  const cache = new Map<string, string>();
  let lastTyped = false;
  return {
    async pin(request) {
      const cached = cache.get(request.token);
      if (cached !== undefined) return cached;
      for (const name of o.envVars) {
        const value = o.env[name];
        if (value !== undefined && value !== '') {
          lastTyped = false;
          cache.set(request.token, value);
          return value;
        }
      }
      if (!o.askSecret) throw new SignerError('pin-missing', o.missing(request));
      const note = request.note ? ` (${request.note})` : '';
      const typed = await o.askSecret(`PIN for token "${request.token}"${note}: `);
      if (typed === '')
        throw new SignerError(
          'pin-missing',
          `No PIN entered for token "${request.token}"; nothing was signed.`,
        );
      lastTyped = true;
      cache.set(request.token, typed);
      return typed;
    },
    forget(token) {
      if (token === undefined) cache.clear();
      else cache.delete(token);
    },
    get lastTyped() {
      return lastTyped;
    },
  };
}

/** The inner signer's operations the CLI wraps. */
export type TokenSigner = Pick<Signer, 'description' | 'publicKey' | 'sign'>;

/** How often a person at the terminal may type the PIN within one operation. */
export const PIN_ATTEMPTS = 3;

/**
 * A token signer whose PIN is cached for the command and forgotten when the token
 * rejects it. A PIN typed at the prompt is asked for again (the prompt then carries
 * the token's retry warning), up to PIN_ATTEMPTS times; a PIN from the environment
 * never is, since repeating it would only use up the token's retries.
 */
export class PinCachingSigner implements Signer {
  constructor(
    private readonly inner: TokenSigner,
    private readonly pins: PinSource,
    private readonly report: (line: string) => void = () => undefined,
  ) {}

  get description(): string {
    return this.inner.description;
  }

  publicKey(): Promise<TufPublicKey> {
    return this.withPin(() => this.inner.publicKey());
  }

  sign(data: Uint8Array): Promise<string> {
    return this.withPin(() => this.inner.sign(data));
  }

  private async withPin<T>(op: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await op();
      } catch (err) {
        if (!isPinRejected(err)) throw err;
        this.pins.forget();
        if (!this.pins.lastTyped || isPinLocked(err) || attempt >= PIN_ATTEMPTS) throw err;
        this.report((err as Error).message);
      }
    }
  }
}

const pinSources = new WeakMap<Ctx, PinSource>();

/** The PIN source of this command (one per context, and a context is one command). */
export function commandPins(ctx: Ctx): PinSource {
  let source = pinSources.get(ctx);
  if (!source) {
    source = pinSource({
      env: ctx.env,
      ...(ctx.askSecret ? { askSecret: ctx.askSecret } : {}),
      envVars: ['TUFCI_PIN'],
      missing: (r) =>
        `The token "${r.token}" needs its PIN: set TUFCI_PIN, or run tufci in a terminal to be asked for it.`,
    });
    pinSources.set(ctx, source);
  }
  return source;
}

/** The touch reminder: only for a person at a terminal. */
function notifier(ctx: Ctx): ((message: string) => void) | undefined {
  return ctx.isTTY || ctx.askSecret ? (m) => ctx.err(m) : undefined;
}

/** The `pkcs11` signing method's signer for a `.tufci.yaml` configuration. */
export function pkcs11SignerFor(cfg: SignerConfig, ctx: Ctx): Signer {
  const choice = parseKeyChoice(cfg.pkcs11Key);
  const pins = commandPins(ctx);
  const notify = notifier(ctx);
  const inner = new Pkcs11Signer({
    modulePath: choice.modulePath ?? pkcs11ModulePath(cfg.pkcs11Module, ctx.cwd),
    ...(choice.token === undefined ? {} : { token: choice.token }),
    key: choice.key,
    pin: pins.pin,
    ...(notify ? { notify } : {}),
  });
  return new PinCachingSigner(inner, pins, (m) => ctx.err(`error: ${m}`));
}
