import { UserError } from '../errors.js';
import {
  addDays,
  checkKeyOrder,
  clone,
  sameJson,
  tufDate,
  signerCount,
  validSignatures,
} from '../tuf/envelope.js';
import type { MetadataReader, RepoDir } from '../tuf/repo.js';
import { lookupIn, roleForTarget } from '../tuf/owner.js';
import { checkKeyids } from '../tuf/key-identity.js';
import { checkThreshold, ownerOf, periodsOf, roleKeys } from '../tuf/roles.js';
import { scanTargetFiles } from '../tuf/target-files.js';
import { binGroups, binNames, compactRoleNames, delegatorName, isOnlineRule } from '../tuf/bins.js';
import { EXPIRY_PERIOD, SIGNING_PERIOD, TOP_LEVEL_DIRS, roleType } from '../tuf/types.js';
import type {
  Envelope,
  RootSigned,
  SnapshotSigned,
  TargetFileJson,
  TargetsSigned,
} from '../tuf/types.js';
import { importedRoles } from '../tuf/imported.js';
import { defaultPaths } from './delegate.js';
import { inviteCount, readInvites } from './invites.js';

export interface UpdateResult {
  /** Roles whose metadata file was written. */
  written: string[];
  /** One line per change, for logs and commit messages (bins that changed alike share one). */
  log: string[];
  /** `written` for a message: runs of hash bins as `bins-000 … bins-3ff (1024 bins)`. */
  writtenText: string;
}

/** Log lines `<bin>: <what>`: bins of one delegation with the same `<what>` become one line. */
function compactLog(log: string[], groups: Map<string, string>): string[] {
  const byWhat = new Map<string, string[]>();
  const out: (string | { what: string })[] = [];
  for (const line of log) {
    const i = line.indexOf(': ');
    const role = i < 0 ? '' : line.slice(0, i);
    const g = groups.get(role);
    if (g === undefined) {
      out.push(line);
      continue;
    }
    const what = `${g}\0${line.slice(i + 2)}`;
    if (!byWhat.has(what)) out.push({ what });
    byWhat.set(what, [...(byWhat.get(what) ?? []), role]);
  }
  return out.map((l) => {
    if (typeof l === 'string') return l;
    const roles = byWhat.get(l.what)!;
    const what = l.what.slice(l.what.indexOf('\0') + 1);
    return `${compactRoleNames(roles, groups)}: ${what}`;
  });
}

/** Whether a target entry is a registry artifact (a signed OCI descriptor) rather than a file in targets/. */
function isRegistryTarget(t: TargetFileJson): boolean {
  return typeof t.custom === 'object' && t.custom !== null && 'oci' in t.custom;
}

/**
 * Refuses files in `targets/<dir>/` when no role `<dir>` exists (and no hash bin takes
 * them), naming the `tufci delegate` command that creates the role.
 */
function refuseUnassigned(
  unassigned: Map<string, string[]>,
  root: RootSigned,
  event: string,
): void {
  if (!unassigned.size) return;
  const rk = roleKeys('targets', root, undefined);
  const signers = [...new Set((rk?.keyids ?? []).map((id) => ownerOf(rk!.keys[id], id)))];
  const who = signers.filter((s) => s.startsWith('@')).join(',') || '@you';
  const parts = [...unassigned].map(([dir, files]) => {
    const depth = Math.max(4, ...files.map((f) => f.split('/').length - 1));
    const more = files.length > 1 ? ` and ${files.length - 1} more` : '';
    return `targets/${files[0]}${more}: no role signs files in targets/${dir}/ (files in targets/<dir>/ belong to the delegated role <dir>); create it with \`tufci delegate ${event} ${dir} --signers ${who} --paths '${defaultPaths(dir, depth).join(',')}'\``;
  });
  throw new UserError(parts.join('\n'));
}

/** Expiry and signing periods of a new online-signed bin: re-signed by online-sign, so short. */
const ONLINE_BIN_PERIODS = { [EXPIRY_PERIOD]: 14, [SIGNING_PERIOD]: 7 };

/**
 * Creates (in memory) every bin of every succinct delegation that has no metadata yet:
 * version 1, no targets, unsigned. Bins signed by the online key get short periods.
 */
function addMissingBins(roles: Map<string, Envelope>, now: Date, imported: Set<string>): void {
  const root = roles.get('root')!.signed as RootSigned;
  for (const [name, env] of [...roles]) {
    if (imported.has(name)) continue;
    const s = env.signed as TargetsSigned;
    const sr = s._type === 'targets' ? s.delegations?.succinct_roles : undefined;
    if (!sr) continue;
    const online = isOnlineRule({ keys: s.delegations!.keys, keyids: sr.keyids });
    for (const name of binNames(sr)) {
      if (roles.has(name)) continue;
      const signed: TargetsSigned = {
        _type: 'targets',
        spec_version: '1.0.31',
        version: 1,
        expires: '',
        targets: {},
        ...(online ? ONLINE_BIN_PERIODS : {}),
      };
      const bin: Envelope = { signed, signatures: [] };
      signed.expires = tufDate(addDays(now, periodsOf(name, bin, root).expiry));
      roles.set(name, bin);
    }
  }
}

/** Assigns each file under targets/ to the role that owns its path (lib/tuf/owner.ts). */
function syncTargets(
  repo: RepoDir,
  roles: Map<string, Envelope>,
  log: string[],
  event: string,
  known: ReadonlyMap<string, TargetFileJson>,
  imported: Set<string>,
): void {
  const targets = roles.get('targets')!.signed as TargetsSigned;
  const lookup = lookupIn(roles);
  const wanted = new Map<string, Record<string, TargetFileJson>>();
  for (const [role, env] of roles) if (env.signed._type === 'targets') wanted.set(role, {});
  for (const role of (targets.delegations?.roles ?? []).map((r) => r.name))
    if (!wanted.has(role)) wanted.set(role, {});
  const unassigned = new Map<string, string[]>();
  const scanned = scanTargetFiles(repo.targetsDir, known);
  for (const [path, info] of scanned) {
    const role = roleForTarget(lookup, path, `targets/${path}`);
    if (role === 'targets' && path.includes('/')) {
      const dir = path.split('/')[0]!;
      unassigned.set(dir, [...(unassigned.get(dir) ?? []), path]);
      continue;
    }
    if (!wanted.has(role)) wanted.set(role, {});
    wanted.get(role)![path] = info;
  }
  if ((targets as unknown as Record<string, unknown>)[TOP_LEVEL_DIRS] === true) {
    for (const files of unassigned.values())
      for (const p of files) wanted.get('targets')![p] = scanned.get(p)!;
  } else refuseUnassigned(unassigned, roles.get('root')!.signed as RootSigned, event);
  for (const [role, files] of wanted) {
    if (imported.has(role)) {
      // the source signs what an imported role lists; a file here cannot be added to it
      const [first] = Object.keys(files);
      if (first !== undefined)
        throw new UserError(
          `targets/${first}: the path belongs to the imported role ${role} (the source's role, signed by the source); sign it in another role or remove the file`,
        );
      continue;
    }
    const env = roles.get(role);
    if (!env)
      throw new UserError(
        `metadata/${role}.json: missing, but targets.json delegates to role ${role}`,
      );
    const signed = env.signed as TargetsSigned;
    const next: Record<string, TargetFileJson> = {};
    for (const [p, t] of Object.entries(signed.targets)) if (isRegistryTarget(t)) next[p] = t;
    for (const [p, t] of Object.entries(files)) {
      const old = signed.targets[p];
      next[p] = old && sameJson({ length: old.length, hashes: old.hashes }, t) ? old : t;
    }
    if (!sameJson(next, signed.targets)) {
      log.push(`${role}: targets synced with files under targets/`);
      signed.targets = next;
    }
  }
}

/**
 * Length and sha256 of the files under targets/ that git says are unchanged since the
 * known-good state, as the known-good metadata lists them: an event re-hashes only the
 * files it changes. (What is reused is what the default branch already signed; publish
 * still checks every file against its metadata.)
 */
async function knownHashes(
  base: MetadataReader,
  roles: Map<string, Envelope>,
): Promise<Map<string, TargetFileJson>> {
  const known = new Map<string, TargetFileJson>();
  const unchanged = await base.unchangedTargets?.();
  if (!unchanged?.size) return known;
  for (const role of roles.keys()) {
    if (roleType(role) !== 'targets') continue;
    const b = (await base.read(role))?.signed as TargetsSigned | undefined;
    for (const [p, t] of Object.entries(b?.targets ?? {})) {
      const sha256 = t.hashes?.sha256;
      if (unchanged.has(p) && !isRegistryTarget(t) && typeof sha256 === 'string')
        known.set(p, { length: t.length, hashes: { sha256 } });
    }
  }
  return known;
}

/**
 * An imported role may change only to a newer version of the source's (a refresh): its
 * version is the source's, so it can never be bumped here to make room for other content.
 */
function checkImportedVersion(role: string, env: Envelope, b: Envelope | undefined): void {
  if (!b) return;
  if (env.signed.version < b.signed.version)
    throw new UserError(
      `metadata/${role}.json: the imported role's version ${env.signed.version} goes backwards (known-good version is ${b.signed.version})`,
    );
  if (env.signed.version === b.signed.version)
    throw new UserError(
      `metadata/${role}.json: the imported role changed but keeps version ${env.signed.version}; it must be the source's newer version, byte for byte`,
    );
}

/**
 * What CI runs on every push to a `sign/*` branch: sync targets metadata with
 * targets/, give each changed role exactly one version bump over the known-good
 * state with a fresh expiry, and drop signatures that no longer verify.
 * Idempotent. Writes nothing unless every role validates.
 */
export async function updateEvent(
  repo: RepoDir,
  base: MetadataReader,
  now: Date,
  opts: { dryRun?: boolean; event?: string } = {},
): Promise<UpdateResult> {
  const log: string[] = [];
  if (!repo.has('root')) throw new UserError('metadata/root.json: missing; run `tufci init` first');
  const roles = new Map<string, Envelope>();
  const original = new Map<string, Envelope>();
  for (const [role, env] of repo.readOfflineRoles({ missingBins: 'skip' })) {
    roles.set(role, env);
    original.set(role, clone(env));
  }
  // imported roles are the source's, byte for byte: never re-versioned, re-signed or rewritten
  const imported = new Set(importedRoles(roles).keys());
  // every bin exists as signed metadata, empty ones too: clients fetch whichever bin a path hashes to
  addMissingBins(roles, now, imported);
  if (roles.has('targets'))
    syncTargets(
      repo,
      roles,
      log,
      opts.event ?? 'sign/<event>',
      await knownHashes(base, roles),
      imported,
    );

  const root = roles.get('root')!.signed as RootSigned;
  const baseRoot = (await base.read('root'))?.signed as RootSigned | undefined;
  const baseTargets = (await base.read('targets'))?.signed as TargetsSigned | undefined;
  const baseSnap = (await base.read('snapshot'))?.signed as SnapshotSigned | undefined;
  const invites = readInvites(repo.dir);
  const keyMaps = [{ where: 'metadata/root.json', keys: root.keys }];
  const adopted = [baseRoot?.keys ?? {}];
  // every role that delegates (nested layouts too) lists keys under spec or adopted keyids
  for (const [role, env] of roles) {
    const d = env.signed._type === 'targets' ? env.signed.delegations : undefined;
    if (!d || imported.has(role)) continue;
    keyMaps.push({ where: `metadata/${role}.json delegations`, keys: d.keys });
    const b = role === 'targets' ? baseTargets : (await base.read(role))?.signed;
    adopted.push((b as TargetsSigned | undefined)?.delegations?.keys ?? {});
  }
  checkKeyids(keyMaps, adopted);

  for (const [role, env] of roles) {
    const b = await base.read(role);
    if (b && sameJson(b.signed, env.signed)) continue;
    if (imported.has(role)) {
      checkImportedVersion(role, env, b);
      continue;
    }
    // a role new to git may have been published before (a bin of an earlier shape): never reuse a version
    const floor = b ? b.signed.version : (baseSnap?.meta[`${role}.json`]?.version ?? 0);
    // a role new to git starts above the floor; only a known role can go backwards
    if (b && env.signed.version < floor) {
      throw new UserError(
        `metadata/${role}.json: version ${env.signed.version} goes backwards (known-good version is ${floor})`,
      );
    }
    const desired = floor + 1;
    if (env.signed.version !== desired) {
      env.signed.version = desired;
      env.signed.expires = tufDate(addDays(now, periodsOf(role, env, root).expiry));
      env.signatures = [];
      log.push(`${role}: version ${desired}, expires ${env.signed.expires}`);
      continue;
    }
    const rk = roleKeys(role, root, roles);
    const keys = { ...(baseRoot?.keys ?? {}), ...(rk?.keys ?? {}) };
    const good = new Set(
      validSignatures(
        env,
        keys,
        env.signatures.map((s) => s.keyid),
      ),
    );
    // tuf-on-ci writes `"sig": ""` for a signer who has not signed yet: a placeholder, not
    // a signature, so it stays where it is and is never reported as dropped.
    const kept = env.signatures.filter((s) => good.has(s.keyid) || s.sig === '');
    if (kept.length !== env.signatures.length) {
      log.push(
        `${role}: dropped ${env.signatures.length - kept.length} signature(s) over older content`,
      );
      env.signatures = kept;
    }
  }

  // A role this event leaves alone may still be broken by it: when the event changes the
  // keys or threshold that role is checked against, signatures that met the old rule may
  // not meet the new one. Such a role is bumped here, so the event is incomplete until it
  // is signed again under the new rule (and never merges into an outage).
  for (const [role, env] of roles) {
    const b = await base.read(role);
    if (!b || !sameJson(b.signed, env.signed) || imported.has(role)) continue;
    const rule = roleKeys(role, root, roles);
    const parent = delegatorName(roles, role);
    const baseParent =
      parent === undefined || parent === 'targets'
        ? baseTargets
        : ((await base.read(parent))?.signed as TargetsSigned | undefined);
    const before = baseRoot ? roleKeys(role, baseRoot, baseParent) : undefined;
    // the same rule (keys, keyids, threshold) cannot break what it accepted before
    if (!rule || !before || sameJson(rule, before)) continue;
    const metBefore = signerCount(env, before.keys, before.keyids) >= before.threshold;
    const validNow = signerCount(env, rule.keys, rule.keyids);
    if (!metBefore || validNow >= rule.threshold) continue;
    env.signed.version = b.signed.version + 1;
    env.signed.expires = tufDate(addDays(now, periodsOf(role, env, root).expiry));
    env.signatures = [];
    log.push(
      `${role}: version ${env.signed.version}, expires ${env.signed.expires}: its signatures meet the old rule but not this event's (${validNow} of ${rule.threshold} valid), so it must be signed again`,
    );
  }

  for (const role of roles.keys()) {
    const rk = roleKeys(role, root, roles);
    if (!rk) throw new UserError(`metadata/${role}.json: no role delegates to ${role}`);
    checkThreshold(
      `metadata/${role === 'root' || role === 'targets' ? 'root' : (delegatorName(roles, role) ?? 'targets')}.json role ${role}`,
      rk,
      inviteCount(invites, role),
    );
  }
  for (const role of ['snapshot', 'timestamp']) {
    const rk = roleKeys(role, root, undefined);
    if (rk) checkThreshold(`metadata/root.json role ${role}`, rk);
  }

  const written: string[] = [];
  for (const [role, env] of roles)
    if (!imported.has(role)) checkKeyOrder(env.signed, `metadata/${role}.json`);
  for (const [role, env] of roles) {
    if (!sameJson(env, original.get(role))) {
      if (!opts.dryRun) repo.writeRole(role, env);
      written.push(role);
    }
  }
  const groups = binGroups(roles);
  const result = (): UpdateResult => ({
    written,
    log: compactLog(log, groups),
    writtenText: compactRoleNames(written, groups),
  });
  if (opts.dryRun) return result();
  // a root new in this event is kept in root_history; the known-good root's entry is never touched
  const rootEnv = roles.get('root')!;
  if (rootEnv.signed.version > (baseRoot?.version ?? 0) && repo.writeRootHistory(rootEnv)) {
    if (!written.includes('root')) written.push('root');
  }
  return result();
}
