/**
 * Where a published repository lives, as `--to` / `--from` name it, parsed once:
 * `dir:PATH` (a static tree on disk), `http(s)://URL` (a static tree served over HTTP),
 * `oci://HOST/REPO` (a registry: metadata in REPO, targets in REPO/targets) or
 * `oci-layout:DIR` (an OCI image layout: metadata in DIR, targets in DIR/targets).
 */
import { resolve } from 'node:path';
import { UsageError } from './errors.js';
import { isValidRepository, parseReference } from './oci/reference.js';
import { targetsRepositoryOf } from './oci/tuf-layout.js';

export type Location =
  | { kind: 'dir'; spec: string; path: string }
  | { kind: 'http'; spec: string; url: string }
  | { kind: 'oci'; spec: string; reference: string; host: string; repository: string }
  | { kind: 'oci-layout'; spec: string; dir: string };

export type LocationKind = Location['kind'];

/** A location that holds TUF on OCI. */
export type OciLocationSpec = Extract<Location, { kind: 'oci' | 'oci-layout' }>;

const ALL_KINDS: readonly LocationKind[] = ['dir', 'http', 'oci', 'oci-layout'];

const USAGE: Record<LocationKind, string> = {
  dir: 'dir:PATH',
  http: 'http(s)://URL',
  oci: 'oci://HOST/REPO',
  'oci-layout': 'oci-layout:DIR',
};

export interface ParseLocationOptions {
  /** The flag or input that gave the text, for messages (`--to`, `--from`). */
  flag: string;
  /** Resolves relative paths. */
  cwd: string;
  /** The kinds the caller can use (default all). */
  accept?: readonly LocationKind[];
}

/** True for `oci://…` and `oci-layout:…`. */
export function isOciLocation(location: Location): location is OciLocationSpec {
  return location.kind === 'oci' || location.kind === 'oci-layout';
}

/** Parses `text` into a location, or throws a UserError naming the flag. */
export function parseLocation(text: string, options: ParseLocationOptions): Location {
  const accept = options.accept ?? ALL_KINDS;
  const fail = (why: string): never => {
    throw new UsageError(`${options.flag} "${text}": ${why}`);
  };
  const location = parseAny(text, options.cwd, fail);
  if (!location || !accept.includes(location.kind)) {
    const what = location ? `${USAGE[location.kind]} is not accepted here` : 'unknown location';
    return fail(`${what} (use ${accept.map((k) => USAGE[k]).join(', ')})`);
  }
  return location;
}

function parseAny(text: string, cwd: string, fail: (why: string) => never): Location | undefined {
  if (text.startsWith('dir:')) {
    const path = text.slice('dir:'.length);
    if (!path) fail('name a directory after dir:');
    return { kind: 'dir', spec: text, path: resolve(cwd, path) };
  }
  if (text.startsWith('oci-layout:')) {
    const dir = text.slice('oci-layout:'.length);
    if (!dir) fail('name a directory after oci-layout:');
    return { kind: 'oci-layout', spec: text, dir: resolve(cwd, dir) };
  }
  if (text.startsWith('oci://')) return { spec: text, ...parseRegistryLocation(text, fail) };
  if (/^https?:\/\//.test(text)) {
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      return fail('not a valid URL');
    }
    if (!url.host) fail('the URL names no host');
    return { kind: 'http', spec: text, url: text.replace(/\/?$/, '/') };
  }
  return undefined;
}

/** `oci://HOST/REPO` → host and repository; tags and digests are refused. */
function parseRegistryLocation(
  spec: string,
  fail: (why: string) => never,
): { kind: 'oci'; reference: string; host: string; repository: string } {
  let ref;
  try {
    ref = parseReference(spec.slice('oci://'.length));
  } catch (e) {
    return fail((e as Error).message);
  }
  if (ref.tag || ref.digest) fail('name a repository (oci://HOST/REPO), without a tag or digest');
  if (!isValidRepository(targetsRepositoryOf(ref.repository)))
    fail('the repository name is too long for its /targets repository');
  return {
    kind: 'oci',
    reference: `${ref.registry}/${ref.repository}`,
    host: ref.registry,
    repository: ref.repository,
  };
}
