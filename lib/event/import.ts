/**
 * Imports a source repository's role into a signing event (`tufci copy --signatures
 * original`): the role's bytes are written as `metadata/import-<name>.json` unchanged, and
 * targets delegates to it, terminating, with the source role's keys and threshold, on the
 * copied target names only, its entry naming where it comes from (`x-tufci-import`). The
 * destination's signers sign that delegation (targets) in the usual flow; nobody here signs
 * the imported role. Run `updateEvent` afterwards.
 */
import { NotVerifiedError, UserError } from '../errors.js';
import { parseEnvelope, signerCount } from '../tuf/envelope.js';
import type { RoleKeys } from '../tuf/roles.js';
import { IMPORT_FIELD, IMPORT_PREFIX, importOf, type ImportSource } from '../tuf/imported.js';
import { keyMaterial } from '../tuf/key-identity.js';
import { checkDelegatedRoleName } from '../tuf/names.js';
import type { RepoDir } from '../tuf/repo.js';
import { checkTargetPath } from '../tuf/target-files.js';
import type { DelegatedRoleJson, Envelope, KeyJson, TargetsSigned } from '../tuf/types.js';
import { writeInside } from '../util/fs.js';

export interface ImportRole {
  /** `import-<name>`. */
  role: string;
  /** The source role's metadata, byte for byte as the source publishes it. */
  bytes: Uint8Array;
  /** The keys the source trusts for the role (its delegator's rule), by keyid. */
  keys: Record<string, KeyJson>;
  keyids: string[];
  threshold: number;
  /** Target names to delegate (copied names, as the source role lists them). */
  paths: string[];
  source: ImportSource;
}

export interface ImportResult {
  /** The delegation was new (else its paths or the role's bytes were brought up to date). */
  created: boolean;
  /** The role's bytes were written (new, or the source's newer version). */
  wroteRole: boolean;
  version: number;
}

/** Only the key material: a source's key owner means nothing here (and must not match a local user). */
function bareKey(k: KeyJson): KeyJson {
  const out: KeyJson = {
    keytype: k.keytype,
    scheme: k.scheme,
    keyval: { public: k.keyval.public },
  };
  return out;
}

const sameSet = (a: string[], b: string[]): boolean =>
  a.length === b.length && [...a].sort().join('\0') === [...b].sort().join('\0');

export function importRole(repo: RepoDir, o: ImportRole): ImportResult {
  checkDelegatedRoleName(o.role, '--import-name');
  if (!o.role.startsWith(IMPORT_PREFIX))
    throw new UserError(`--import-name: the imported role's name must start with ${IMPORT_PREFIX}`);
  for (const p of o.paths) checkTargetPath(p, 'imported target');
  const env = parseEnvelope(
    Buffer.from(o.bytes).toString('utf8'),
    `the source's role ${o.source.role}`,
    'targets',
  );
  const signed = env.signed as TargetsSigned;
  for (const p of o.paths)
    if (!signed.targets[p])
      throw new UserError(
        `the source's role ${o.source.role} does not list target ${JSON.stringify(p)}`,
      );

  const targets = repo.targets();
  const t = targets.signed;
  t.delegations ??= { keys: {}, roles: [] };
  t.delegations.roles ??= [];
  const d = t.delegations;
  const existing = d.roles!.find((r) => r.name === o.role);
  const clash = (why: string): never => {
    throw new UserError(
      `--import-name: role ${o.role} already exists in this repository ${why}; choose another name with --import-name`,
    );
  };
  if (existing) {
    const src = importOf(existing);
    if (!src) clash('and is not an imported role');
    if (src!.repository !== o.source.repository || src!.role !== o.source.role)
      clash(`and imports role "${src!.role}" of ${src!.repository}`);
    const material = (keys: Record<string, KeyJson>, ids: string[]): string[] =>
      ids.map((id) => (keys[id] ? keyMaterial(keys[id]) : id));
    if (
      !sameSet(material(d.keys, existing.keyids), material(o.keys, o.keyids)) ||
      existing.threshold !== o.threshold
    )
      clash(
        'with other keys or another threshold (the source changed its keys: import it under a new name)',
      );
  } else if (
    repo.has(o.role) ||
    (d.succinct_roles && o.role.startsWith(d.succinct_roles.name_prefix))
  )
    clash('(its metadata file is there)');

  // the role's bytes: new, or the source's newer version (never an older one)
  let wroteRole = false;
  let version = signed.version;
  if (repo.has(o.role)) {
    const cur = repo.readRole(o.role).signed.version;
    if (cur > signed.version) version = cur;
    else if (cur === signed.version) {
      // the same version must be the same bytes: anything else is not what the source signed
      const mine = repo.readRoleBytes(o.role);
      if (!Buffer.from(mine).equals(Buffer.from(o.bytes)))
        throw new UserError(
          `metadata/${o.role}.json: version ${cur} is here with other bytes than the source's version ${cur}`,
        );
    }
    if (cur < signed.version) {
      writeInside(repo.dir, repo.relRolePath(o.role), Buffer.from(o.bytes), { what: 'repository' });
      wroteRole = true;
    }
    if (cur > signed.version) {
      const kept = repo.readRole(o.role).signed as TargetsSigned;
      for (const p of o.paths)
        if (!kept.targets[p])
          throw new UserError(
            `metadata/${o.role}.json: version ${cur} here is newer than the source's ${signed.version} and does not list ${JSON.stringify(p)}`,
          );
    }
  } else {
    writeInside(repo.dir, repo.relRolePath(o.role), Buffer.from(o.bytes), { what: 'repository' });
    wroteRole = true;
  }

  for (const id of o.keyids) {
    const k = o.keys[id];
    if (!k)
      throw new UserError(
        `the source's rule for ${o.source.role} names key ${id}, which it does not list`,
      );
    const have = d.keys[id];
    if (have && keyMaterial(have) !== keyMaterial(k))
      throw new UserError(`keyid ${id}: another key is listed under it in metadata/targets.json`);
    if (!have) d.keys[id] = bareKey(k);
  }
  if (existing) {
    const paths = existing.paths ?? [];
    existing.paths = [...paths, ...o.paths.filter((p) => !paths.includes(p))];
  } else {
    const entry: DelegatedRoleJson = {
      name: o.role,
      keyids: [...o.keyids],
      threshold: o.threshold,
      terminating: true,
      paths: [...o.paths],
      [IMPORT_FIELD]: { repository: o.source.repository, role: o.source.role },
    };
    // first among the delegations: for its exact names, the origin is reached first
    d.roles!.unshift(entry);
  }
  repo.writeRole('targets', targets);
  return { created: !existing, wroteRole, version };
}

/** What a refresh decided for one imported role. */
export type RefreshCheck =
  { kind: 'newer'; version: number; expires: string; signers: number } | { kind: 'current' };

/**
 * Whether `bytes` (the source's role, as its repository serves it now) may replace the
 * imported role `current`: a newer version, signed by at least `rule.threshold` of the keys
 * the delegation names, not expired, still listing every target the delegation covers.
 * Nothing of the source's repository but the role itself is trusted: the delegation's keys
 * and threshold decide, as for a client. Throws NotVerifiedError naming what is wrong.
 */
export function checkRefresh(
  role: string,
  bytes: Uint8Array,
  current: { env: Envelope; bytes: Uint8Array },
  rule: RoleKeys,
  paths: string[],
  now: Date,
): RefreshCheck {
  const where = `${role}: the source's newer version`;
  let env: Envelope;
  try {
    env = parseEnvelope(Buffer.from(bytes).toString('utf8'), where, 'targets');
  } catch (e) {
    throw new NotVerifiedError(`${where}: malformed metadata (${(e as Error).message})`, {
      cause: e,
    });
  }
  const cur = current.env.signed.version;
  const v = env.signed.version;
  if (v < cur) return { kind: 'current' }; // the source serves an older one: keep what is here
  if (v === cur) {
    if (Buffer.from(bytes).equals(Buffer.from(current.bytes))) return { kind: 'current' };
    throw new NotVerifiedError(
      `${role}: the source serves version ${v} with other bytes than the imported version ${v}; refused`,
    );
  }
  const signers = signerCount(env, rule.keys, rule.keyids);
  if (signers < rule.threshold)
    throw new NotVerifiedError(
      `${role}: the source's version ${v} is signed by ${signers} of the ${rule.keyids.length} key(s) the delegation trusts for it, ${rule.threshold} required; refused (the import stays at version ${cur})`,
    );
  if (new Date(env.signed.expires) <= now)
    throw new NotVerifiedError(
      `${role}: the source's version ${v} expired on ${env.signed.expires}; refused (the import stays at version ${cur})`,
    );
  const listed = (env.signed as TargetsSigned).targets;
  const gone = paths.filter((p) => !/[*?[]/.test(p) && !listed[p]);
  if (gone.length)
    throw new NotVerifiedError(
      `${role}: the source's version ${v} no longer lists ${gone.map((p) => JSON.stringify(p)).join(', ')}; refused (the import stays at version ${cur})`,
    );
  return { kind: 'newer', version: v, expires: env.signed.expires, signers };
}
