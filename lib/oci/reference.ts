/**
 * Registry references `HOST[:PORT]/REPO[:TAG][@DIGEST]`, the tag grammar, and the
 * mapping from arbitrary names (TUF role names) to valid tags.
 */
import { createHash } from 'node:crypto';
import { parseDigest } from './digest.js';
import { OciError } from './errors.js';

export interface Reference {
  /** `host[:port]`, e.g. `ghcr.io` or `127.0.0.1:5000`. */
  registry: string;
  repository: string;
  tag?: string;
  digest?: string;
}

const TAG = /^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$/;
const COMPONENT = '[a-z0-9]+(?:(?:\\.|_|__|-+)[a-z0-9]+)*';
const REPOSITORY = new RegExp(`^${COMPONENT}(?:/${COMPONENT})*$`);
const DOMAIN_PART = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const HOST = new RegExp(
  `^(?:${DOMAIN_PART}(?:\\.${DOMAIN_PART})*|\\[[0-9a-fA-F:.]+\\])(?::[0-9]{1,5})?$`,
);

export function isValidTag(tag: string): boolean {
  return TAG.test(tag);
}

/** Repository names per the distribution spec (lowercase path components, at most 255 with the host). */
export function isValidRepository(name: string): boolean {
  return name.length <= 255 && REPOSITORY.test(name);
}

/**
 * Parses `HOST[:PORT]/REPO[:TAG][@sha256:HEX]`. The host is required: the first path
 * component counts as a host only when it has a `.` or `:`, is `localhost`, or is `[ipv6]`.
 */
export function parseReference(ref: string): Reference {
  const fail = (why: string): never => {
    throw new OciError(
      'invalid',
      { operation: 'parse reference' },
      `${JSON.stringify(ref)}: ${why}`,
    );
  };
  const slash = ref.indexOf('/');
  if (slash <= 0) fail('expected HOST/REPOSITORY[:TAG|@DIGEST]');
  const registry = ref.slice(0, slash);
  const looksLikeHost =
    /[.:]/.test(registry) || registry === 'localhost' || registry.startsWith('[');
  if (!looksLikeHost || !HOST.test(registry))
    fail(`${JSON.stringify(registry)} is not a registry host`);
  let rest = ref.slice(slash + 1);
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!parseDigest(digest)) fail(`${JSON.stringify(digest)} is not a sha256/sha512 digest`);
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon >= 0) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!isValidTag(tag)) fail(`${JSON.stringify(tag)} is not a valid tag`);
  }
  if (!isValidRepository(rest)) fail(`${JSON.stringify(rest)} is not a valid repository name`);
  const out: Reference = { registry, repository: rest };
  if (tag !== undefined) out.tag = tag;
  if (digest !== undefined) out.digest = digest;
  return out;
}

/** The inverse of parseReference. */
export function formatReference(ref: Reference): string {
  let s = `${ref.registry}/${ref.repository}`;
  if (ref.tag) s += `:${ref.tag}`;
  if (ref.digest) s += `@${ref.digest}`;
  return s;
}

/** The fallback tag under which referrers of `digest` are listed: `sha256-<hex>`. */
export function referrersTag(digest: string): string {
  const parsed = parseDigest(digest);
  if (!parsed) {
    throw new OciError('invalid', { operation: 'referrers tag' }, `${digest} is not a digest`);
  }
  return `${parsed.algorithm}-${parsed.hex}`.slice(0, 128);
}

const HASH_SUFFIX = /-[0-9a-f]{16}$/;
const RESERVED = /^sha(256|512)-/;

/**
 * A valid, stable tag for an arbitrary name, such as a TUF role name.
 *
 * - A name that is already a valid tag is used as is (`targets`, `foo.bar`, `team-a`),
 *   unless it starts with `sha256-`/`sha512-` (reserved for referrers fallback tags)
 *   or ends in `-` plus 16 hex digits (the shape of the hashed form below).
 * - Any other name becomes `<sanitized>-<h>`: characters outside `[a-zA-Z0-9_.-]` turn
 *   into `_`, a leading `.`, `-` or `sha256-` gets a `_` prefix, the result is cut to 111 characters,
 *   and `<h>` is the first 16 hex digits of sha256(UTF-8 name). E.g. `a/b` →
 *   `a_b-<h>`, a 200-character name → its first 111 characters, `-`, `<h>`.
 *
 * Names kept as is never end in the hash suffix and hashed ones always do, so two
 * different names share a tag only if 64 bits of sha256 collide.
 */
export function tagForName(name: string): string {
  if (isValidTag(name) && !RESERVED.test(name) && !HASH_SUFFIX.test(name)) return name;
  const h = createHash('sha256').update(name, 'utf8').digest('hex').slice(0, 16);
  let base = name.replace(/[^a-zA-Z0-9_.-]/g, '_');
  if (!/^[a-zA-Z0-9_]/.test(base) || RESERVED.test(base)) base = `_${base}`;
  return `${base.slice(0, 111)}-${h}`;
}

/** True for `localhost`, `127.x.x.x` and `[::1]`, with or without a port: plain HTTP is the default there. */
export function isLoopbackHost(host: string): boolean {
  const name = host.startsWith('[')
    ? host.slice(0, host.indexOf(']') + 1)
    : host.replace(/:\d+$/, '');
  return (
    name === 'localhost' || name === '[::1]' || name === '::1' || /^127(\.\d{1,3}){3}$/.test(name)
  );
}
