/**
 * Where `tufci verify` keeps what it trusted between runs: `--cache DIR` as given, a
 * fresh temporary directory with `--no-cache`, else one directory per source and pinned
 * root under `$XDG_CACHE_HOME/tufci` or `~/.cache/tufci` (OCI sources under `oci/`, static
 * trees under `static/`). The directory holds non-versioned root.json, timestamp.json, …
 * as TUF clients keep them, so a later run refuses a rollback or a freeze.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Ctx } from './context.js';

export interface CacheFlags {
  /** A directory, or false for `--no-cache`. */
  cache?: string | false;
}

/** The default trust directory of a source, or undefined when there is no home or XDG cache. */
function defaultTrustDir(
  ctx: Ctx,
  kind: 'oci' | 'static',
  source: string,
  root: Uint8Array | undefined,
): string | undefined {
  const base = ctx.env.XDG_CACHE_HOME ?? (ctx.env.HOME ? join(ctx.env.HOME, '.cache') : undefined);
  if (!base) return undefined;
  const hash = createHash('sha256').update(source).update('\0');
  if (root) hash.update(root);
  return join(base, 'tufci', kind, hash.digest('hex').slice(0, 24));
}

/** The trust directory for one run against `source`. */
export function trustDirFor(
  ctx: Ctx,
  o: CacheFlags,
  source: string,
  root: Uint8Array | undefined,
  kind: 'oci' | 'static' = 'static',
): string {
  if (typeof o.cache === 'string') return resolve(ctx.cwd, o.cache);
  const fresh = (): string => mkdtempSync(join(tmpdir(), 'tufci-verify-'));
  if (o.cache === false) return fresh();
  return defaultTrustDir(ctx, kind, source, root) ?? fresh();
}
