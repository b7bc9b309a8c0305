import { createHash } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { canonicalize } from '@tufjs/canonical-json';
import { Metadata, MetadataKind } from '@tufjs/models';
import type { Key, Root, Snapshot, Targets, Timestamp } from '@tufjs/models';
import { MetadataError } from '../errors.js';
import { distinctKeyCount, duplicateKey, duplicateKeyMessage } from './key-identity.js';
import { SUPPORTED_SCHEMES } from './keys.js';
import { verifyWith } from './verify.js';
import {
  TOP_LEVEL_ROLES,
  checkDelegatedRoleName,
  checkMetaFileName,
  checkRoleName,
} from './names.js';
import { checkTargetPath } from './target-files.js';
import type { AnySigned, Envelope, KeyJson } from './types.js';

type JSONObject = Parameters<typeof Key.fromJSON>[1];

/**
 * Texts (sha256 and expected type) that parseEnvelope has already validated in this
 * process. Validation is a pure function of the text, so a command that reads the same
 * file again (the work tree and its known-good revision, a role read by two steps) pays
 * only JSON.parse. Bounded so a long-lived process does not grow without end.
 */
const validated = new Set<string>();
const VALIDATED_MAX = 4096;

/**
 * Parses and validates an envelope with @tufjs/models. `where` names the file in
 * errors, so a person knows what to fix. Returns plain JSON (a new object each call).
 */
export function parseEnvelope(text: string, where: string, expectedType?: string): Envelope {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new MetadataError(`${where}: malformed JSON: ${(e as Error).message}`);
  }
  const signed = (data as { signed?: { _type?: unknown } })?.signed;
  const type = signed?._type;
  if (typeof type !== 'string' || !['root', 'targets', 'snapshot', 'timestamp'].includes(type)) {
    throw new MetadataError(
      `${where}: field "signed._type" must be one of root, targets, snapshot, timestamp`,
    );
  }
  if (expectedType && type !== expectedType) {
    throw new MetadataError(
      `${where}: field "signed._type" is "${type}", expected "${expectedType}"`,
    );
  }
  const memo = `${type}:${createHash('sha256').update(text).digest('hex')}`;
  if (validated.has(memo)) return data as Envelope;
  // names become file paths and URLs: check them before anything else reads them
  checkNames((data as Envelope).signed, where);
  const expiry = expiresProblem((data as Envelope).signed);
  if (expiry) throw new MetadataError(`${where}: ${expiry}`);
  checkShape((data as Envelope).signed, where);
  try {
    toModel(data as Envelope);
  } catch (e) {
    throw new MetadataError(`${where}: invalid ${type} metadata: ${(e as Error).message}`);
  }
  const env = data as Envelope;
  // names clients would sort differently give no bytes every client verifies: refused here
  checkKeyOrder(env.signed, where);
  checkKeys(env.signed, where);
  // thresholds count keys, not keyids: one key under two keyids in a role is refused here
  const dup = duplicateKey(env.signed);
  if (dup) throw new MetadataError(`${where}: ${duplicateKeyMessage(dup)}`);
  // a path that escapes targets/ is refused wherever metadata is read, before anyone signs it
  if (env.signed._type === 'targets')
    for (const path of Object.keys(env.signed.targets)) checkTargetPath(path, `${where} targets`);
  if (validated.size >= VALIDATED_MAX) validated.clear();
  validated.add(memo);
  return env;
}

/**
 * Refuses what @tufjs/models would read differently from the plain JSON (so the bytes we
 * sign, the canonical plain JSON, are the bytes every client verifies): a targets role
 * without a `targets` object, two delegations of one name (the library keeps the last),
 * or both `roles` and `succinct_roles` (it drops the latter).
 */
function checkShape(signed: AnySigned, where: string): void {
  if (signed._type !== 'targets') return;
  const t: unknown = signed.targets;
  if (t === null || typeof t !== 'object' || Array.isArray(t))
    throw new MetadataError(`${where}: field "signed.targets" must be an object`);
  const d = signed.delegations as Record<string, unknown> | undefined;
  if (!d || typeof d !== 'object') return;
  if ('roles' in d && 'succinct_roles' in d)
    throw new MetadataError(
      `${where}: field "signed.delegations" has both "roles" and "succinct_roles"; use one`,
    );
  if (Array.isArray(d.roles)) {
    const seen = new Set<unknown>();
    (d.roles as { name?: unknown }[]).forEach((r, i) => {
      if (seen.has(r?.name))
        throw new MetadataError(
          `${where}: field "signed.delegations.roles[${i}].name": role ${JSON.stringify(r.name)} is delegated twice`,
        );
      seen.add(r?.name);
    });
  }
}

/** Role names and snapshot entries become file names and URLs: refuse hostile ones here. */
function checkNames(signed: AnySigned, where: string): void {
  if (signed._type === 'root' && signed.roles && typeof signed.roles === 'object')
    for (const name of Object.keys(signed.roles))
      if (!TOP_LEVEL_ROLES.includes(name))
        throw new MetadataError(
          `${where}: field "signed.roles": ${JSON.stringify(name)} is not a top-level role (root, targets, snapshot, timestamp); root names only those`,
        );
  if (signed._type === 'targets') {
    const d = signed.delegations;
    const roles: unknown = d?.roles ?? [];
    if (!Array.isArray(roles)) return; // the model check names the field
    (roles as { name: string }[]).forEach((r, i) =>
      checkDelegatedRoleName(r.name, `${where}: field "signed.delegations.roles[${i}].name"`),
    );
    const succinct = (d as { succinct_roles?: { name_prefix?: string } } | undefined)
      ?.succinct_roles;
    if (succinct?.name_prefix !== undefined)
      checkRoleName(
        succinct.name_prefix,
        `${where}: field "signed.delegations.succinct_roles.name_prefix"`,
      );
  }
  if (signed._type === 'snapshot' && signed.meta && typeof signed.meta === 'object')
    for (const name of Object.keys(signed.meta))
      checkMetaFileName(name, `${where}: field "signed.meta"`);
}

function checkKeys(signed: AnySigned, where: string): void {
  const keys: Record<string, KeyJson> =
    signed._type === 'root'
      ? signed.keys
      : signed._type === 'targets'
        ? (signed.delegations?.keys ?? {})
        : {};
  for (const [id, key] of Object.entries(keys)) {
    const schemes = SUPPORTED_SCHEMES[key.keytype];
    if (!schemes) {
      throw new MetadataError(
        `${where}: key ${id}: unknown key type "${key.keytype}" (supported: ${Object.keys(SUPPORTED_SCHEMES).join(', ')})`,
      );
    }
    if (!schemes.includes(key.scheme)) {
      throw new MetadataError(
        `${where}: key ${id}: scheme "${key.scheme}" does not fit key type "${key.keytype}"`,
      );
    }
  }
}

/** The @tufjs/models object of an envelope (throws the library's own errors). */
type AnyModel = Metadata<Root | Targets | Snapshot | Timestamp>;

function toModel(env: Envelope): AnyModel {
  const kind = env.signed._type as MetadataKind;
  return Metadata.fromJSON(
    kind as MetadataKind.Root,
    env as unknown as JSONObject,
  ) as unknown as AnyModel;
}

/**
 * The exact bytes a signature covers: OLPC canonical JSON of `signed`, as python-tuf and go-tuf
 * compute it. The plain JSON is canonicalised as it is: parseEnvelope refuses what the models
 * of tuf-js would read differently. Refuses metadata whose canonical form differs between
 * clients (see checkKeyOrder).
 */
export function signedBytes(env: Envelope): Buffer {
  checkKeyOrder(env.signed, `${env.signed._type} metadata version ${env.signed.version}`);
  return Buffer.from(canonicalize(env.signed));
}

const SURROGATE = /[\uD800-\uDFFF]/;

/**
 * Canonical JSON sorts keys; tuf-js (and @tufjs/canonical-json) sorts by UTF-16
 * code unit, securesystemslib and Go by code point. The two differ only when a
 * key with a character beyond U+FFFF meets one with a character in
 * U+E000..U+FFFF, and then no signature verifies in both. Such metadata is refused.
 */
export function checkKeyOrder(value: unknown, where: string): void {
  if (Array.isArray(value)) {
    for (const v of value) checkKeyOrder(v, where);
    return;
  }
  if (value === null || typeof value !== 'object') return;
  const keys = Object.keys(value);
  if (keys.some((k) => SURROGATE.test(k))) {
    const utf16 = [...keys].sort();
    const points = [...keys].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    const i = utf16.findIndex((k, n) => k !== points[n]);
    if (i >= 0) {
      throw new MetadataError(
        `${where}: names ${JSON.stringify(utf16[i])} and ${JSON.stringify(points[i])} sort differently by UTF-16 (tuf-js) and by code point (python-tuf, go-tuf), so clients would disagree on the signed bytes; rename one of them`,
      );
    }
  }
  for (const v of Object.values(value)) checkKeyOrder(v, where);
}

/**
 * Deep-freezes envelopes that are only read from now on (a tree being published): their
 * signatures are then checked once, however many times they are asked about.
 */
export function freezeEnvelopes(envs: Iterable<Envelope>): void {
  const freeze = (v: unknown): void => {
    if (v === null || typeof v !== 'object' || Object.isFrozen(v)) return;
    Object.freeze(v);
    for (const x of Object.values(v)) freeze(x);
  };
  for (const env of envs) freeze(env);
}

/** Per frozen envelope: its signed bytes (null: none a client could verify) and checks made. */
const checked = new WeakMap<Envelope, { bytes: Buffer | null; results: Map<string, boolean> }>();

/** A frozen envelope's memo (a frozen one cannot change under it), else undefined. */
function memoOf(
  env: Envelope,
): { bytes: Buffer | null; results: Map<string, boolean> } | undefined {
  if (!Object.isFrozen(env) || !Object.isFrozen(env.signed) || !Object.isFrozen(env.signatures))
    return undefined;
  let m = checked.get(env);
  if (!m) {
    let bytes: Buffer | null;
    try {
      bytes = signedBytes(env);
    } catch {
      bytes = null;
    }
    checked.set(env, (m = { bytes, results: new Map() }));
  }
  return m;
}

/** Keyids (among `keyids`) whose signature on the envelope verifies (node:crypto, no models). */
export function validSignatures(
  env: Envelope,
  keys: Record<string, KeyJson>,
  keyids: string[],
): string[] {
  const sigs = new Map<string, string>();
  for (const s of env.signatures) if (!sigs.has(s.keyid)) sigs.set(s.keyid, s.sig);
  const wanted = keyids.filter((id) => keys[id] && sigs.has(id));
  if (!wanted.length) return [];
  const memo = memoOf(env);
  let bytes: Buffer;
  try {
    if (memo && !memo.bytes) return [];
    bytes = memo ? memo.bytes! : signedBytes(env);
  } catch {
    return []; // no client could verify a signature over it
  }
  return wanted.filter((id) => {
    const k = keys[id]!;
    const sig = sigs.get(id)!;
    if (!memo) return verifyWith(k, bytes, sig);
    // the same key (as it is written), the same signature: the same answer
    const key = JSON.stringify([k.keytype, k.scheme, k.keyval, sig]);
    let ok = memo.results.get(key);
    if (ok === undefined) memo.results.set(key, (ok = verifyWith(k, bytes, sig)));
    return ok;
  });
}

/**
 * How many distinct keys (among `keyids`) signed the envelope: what a threshold counts.
 * One key listed under two keyids (refused at load, but not by every caller's keys map)
 * counts once.
 */
export function signerCount(
  env: Envelope,
  keys: Record<string, KeyJson>,
  keyids: string[],
): number {
  return distinctKeyCount(validSignatures(env, keys, keyids), keys);
}

/** Serialises an envelope the way it is stored in git: 2-space JSON and a newline. */
export function serialize(env: Envelope): string {
  return JSON.stringify(env, null, 2) + '\n';
}

/**
 * Whether two JSON values are equal (key order aside), as their canonical forms would be;
 * without building those strings, which costs far more on a map of many targets.
 */
export function sameJson(a: unknown, b: unknown): boolean {
  return isDeepStrictEqual(a, b);
}

/** Deep copy of JSON data. */
export function clone<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

const TUF_DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

/**
 * Why `signed.expires` is not a date as TUF writes it (YYYY-MM-DDTHH:MM:SSZ), or undefined.
 * tuf-js compares `new Date(expires)` with the clock: any other text is an invalid date
 * that never compares as past, so metadata carrying it would never expire.
 */
export function expiresProblem(signed: unknown): string | undefined {
  const expires = (signed as { expires?: unknown } | null)?.expires;
  if (expires === undefined) return undefined; // the model check names a missing field
  if (typeof expires === 'string' && TUF_DATE.test(expires) && !isNaN(Date.parse(expires)))
    return undefined;
  return `field "signed.expires": ${JSON.stringify(expires)} is not a date as TUF writes it (YYYY-MM-DDTHH:MM:SSZ); a client could never see it expire`;
}

/** Formats a date the way TUF wants it: seconds precision, UTC, Z. */
export function tufDate(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function addDays(d: Date, days: number): Date {
  return new Date(d.getTime() + days * 86_400_000);
}
