import { createHash } from 'node:crypto';
import { lstatSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../errors.js';
import {
  addDays,
  checkKeyOrder,
  clone,
  parseEnvelope,
  sameJson,
  tufDate,
  signerCount,
  validSignatures,
} from '../tuf/envelope.js';
import type { MetadataReader, RepoDir } from '../tuf/repo.js';
import type { Staged } from '../util/fs.js';
import { binOwner, lookupIn, roleForTarget } from '../tuf/owner.js';
import { checkKeyids } from '../tuf/key-identity.js';
import { checkThreshold, ownerOf, periodsOf, roleKeys } from '../tuf/roles.js';
import { listTargetFiles, targetFileInfo } from '../tuf/target-files.js';
import { binNames, compactRoleNames, delegatorName, isOnlineRule } from '../tuf/bins.js';
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

/** A bin that has no metadata yet: version 1, no targets, unsigned (short periods when online). */
function emptyBin(name: string, online: boolean, now: Date, root: RootSigned): Envelope {
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
  return bin;
}

/** A bin read when it is updated, not before (see `Roles`). */
interface Deferred {
  /** metadata/<bin>.json exists; else the bin is created, online-signed or not. */
  exists: boolean;
  online: boolean;
}

/**
 * The offline roles of the work tree. Hash bins that delegate nothing (leaves, the usual
 * layout) are `deferred`: each is read, updated and serialised in turn, so a repository
 * of thousands of bins never holds them all; the rest are `core`, read up front.
 */
interface Roles {
  /** Every role, in load order; bins created by the update last. */
  order: string[];
  core: Map<string, Envelope>;
  deferred: Map<string, Deferred>;
  /** Imported roles (the source's, byte for byte): never re-versioned, re-signed or rewritten. */
  imported: Set<string>;
}

/** Thrown when a deferred bin turns out to delegate: the update starts over with every role read up front. */
class NotALeaf extends Error {}

/** Whether the bin delegates to some role of its own (then it is no leaf, and not deferred). */
const delegates = (env: Envelope): boolean =>
  (env.signed as TargetsSigned).delegations !== undefined;

function loadRoles(repo: RepoDir, now: Date, defer: boolean): Roles {
  const order: string[] = [];
  const found = new Set<string>();
  const core = repo.readOfflineRoles({
    missingBins: 'skip',
    order,
    ...(defer ? { deferBins: found } : {}),
  });
  const deferred = new Map<string, Deferred>();
  for (const b of found) deferred.set(b, { exists: true, online: false });
  const imported = new Set(importedRoles(core).keys());
  // every bin exists as signed metadata, empty ones too: clients fetch whichever bin a path hashes to
  const root = core.get('root')!.signed as RootSigned;
  for (const [name, env] of [...core]) {
    if (imported.has(name)) continue;
    const s = env.signed as TargetsSigned;
    const sr = s._type === 'targets' ? s.delegations?.succinct_roles : undefined;
    if (!sr) continue;
    const online = isOnlineRule({ keys: s.delegations!.keys, keyids: sr.keyids });
    for (const name of binNames(sr)) {
      if (core.has(name) || deferred.has(name)) continue;
      order.push(name);
      if (defer) deferred.set(name, { exists: false, online });
      else core.set(name, emptyBin(name, online, now, root));
    }
  }
  return { order, core, deferred, imported };
}

/** The git blob id of a file's bytes (sha1, or sha256 in a repository of that object format). */
function blobIdOf(bytes: Buffer, like: string): string {
  return createHash(like.length === 64 ? 'sha256' : 'sha1')
    .update(`blob ${bytes.length}\0`)
    .update(bytes)
    .digest('hex');
}

/** Whether a target entry as stored equals a file's `{ length, hashes: { sha256 } }` (as sameJson would say). */
function sameFileEntry(old: TargetFileJson, t: TargetFileJson): boolean {
  const h = old.hashes as unknown;
  if (!Object.is(old.length, t.length) || h === null || typeof h !== 'object') return false;
  if (Array.isArray(h) || Object.getPrototypeOf(h) !== Object.prototype) return false;
  const keys = Object.keys(h);
  return keys.length === 1 && keys[0] === 'sha256' && old.hashes.sha256 === t.hashes.sha256;
}

/** Whether `next` (entries of `prev` reused by reference, or new ones) equals `prev`, as sameJson would say. */
function sameTargets(
  next: Record<string, TargetFileJson>,
  prev: Record<string, TargetFileJson>,
): boolean {
  const keys = Object.keys(next);
  if (keys.length !== Object.keys(prev).length) return false;
  return keys.every(
    (k) => Object.hasOwn(prev, k) && (next[k] === prev[k] || sameJson(next[k], prev[k])),
  );
}

/** A known-good entry whose sha256 can stand for an unchanged file. */
function reusable(t: TargetFileJson | undefined): t is TargetFileJson {
  return !!t && !isRegistryTarget(t) && typeof t.hashes?.sha256 === 'string';
}

/**
 * Which role owns each file under targets/ (lib/tuf/owner.ts): paths by role, for every
 * targets role (empty lists too). Deferred bins delegate nothing, so the search needs only
 * the core roles.
 */
function assignTargets(repo: RepoDir, roles: Roles, event: string): Map<string, string[]> {
  const { core } = roles;
  const targets = core.get('targets')!.signed as TargetsSigned;
  const lookup = lookupIn(core);
  const wanted = new Map<string, string[]>();
  for (const role of roles.order)
    if (roles.deferred.has(role) || core.get(role)!.signed._type === 'targets')
      wanted.set(role, []);
  for (const role of (targets.delegations?.roles ?? []).map((r) => r.name))
    if (!wanted.has(role)) wanted.set(role, []);
  const unassigned = new Map<string, string[]>();
  const byHash = binOwner(lookup);
  for (const path of listTargetFiles(repo.targetsDir)) {
    const where = `targets/${path}`;
    const role = byHash ? byHash(path, where) : roleForTarget(lookup, path, where);
    if (role === 'targets' && path.includes('/')) {
      const dir = path.split('/')[0]!;
      unassigned.set(dir, [...(unassigned.get(dir) ?? []), path]);
      continue;
    }
    if (!wanted.has(role)) wanted.set(role, []);
    wanted.get(role)!.push(path);
  }
  if ((targets as unknown as Record<string, unknown>)[TOP_LEVEL_DIRS] === true) {
    for (const files of unassigned.values()) wanted.get('targets')!.push(...files);
  } else refuseUnassigned(unassigned, core.get('root')!.signed as RootSigned, event);
  for (const [role, files] of wanted) {
    if (roles.imported.has(role)) {
      // the source signs what an imported role lists; a file here cannot be added to it
      if (files[0] !== undefined)
        throw new UserError(
          `targets/${files[0]}: the path belongs to the imported role ${role} (the source's role, signed by the source); sign it in another role or remove the file`,
        );
      wanted.delete(role);
      continue;
    }
    if (!core.has(role) && !roles.deferred.has(role))
      throw new UserError(
        `metadata/${role}.json: missing, but targets.json delegates to role ${role}`,
      );
  }
  return wanted;
}

/**
 * Length and sha256 of the files under targets/ that git says are unchanged since the
 * known-good state, as the known-good metadata lists them: an event re-hashes only the
 * files it changes. (What is reused is what the default branch already signed; publish
 * still checks every file against its metadata.) A file's entry is looked for in the
 * known-good version of the role it belongs to, then in the core roles'.
 */
class FileInfos {
  private fallback?: Map<string, TargetFileJson>;

  constructor(
    private readonly repo: RepoDir,
    /** path → size at the known-good state, of files unchanged since */
    private readonly unchanged: ReadonlyMap<string, number>,
  ) {}

  /** Entries of the core roles at the known-good state (later roles win, as a client's search order). */
  async init(base: MetadataReader, roles: Roles): Promise<void> {
    this.fallback = new Map();
    if (!this.unchanged.size) return;
    for (const role of roles.order) {
      if (!roles.core.has(role) || roleType(role) !== 'targets') continue;
      const b = (await base.read(role))?.signed as TargetsSigned | undefined;
      for (const [p, t] of Object.entries(b?.targets ?? {}))
        if (this.unchanged.has(p) && reusable(t)) this.fallback.set(p, t);
    }
  }

  /** `path`'s entry; `own`: the known-good targets of the role it belongs to. */
  get(path: string, own: Record<string, TargetFileJson> | undefined): TargetFileJson {
    const full = (): string => join(this.repo.targetsDir, path);
    const size = this.unchanged.get(path);
    if (size !== undefined) {
      const o = own && Object.hasOwn(own, path) ? own[path] : undefined;
      const k = reusable(o) ? o : this.fallback?.get(path);
      // the size git has for it, or (a file git converts on checkout) the file's own
      if (k && (k.length === size || k.length === lstatSync(full()).size))
        return { length: k.length, hashes: { sha256: k.hashes.sha256! } };
    }
    return targetFileInfo(full());
  }
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

/** One role as the update works on it. */
interface Slot {
  role: string;
  env: Envelope;
  /** The known-good envelope; 'same': the file is byte for byte the known-good one. */
  base: Envelope | undefined | 'same';
  /** The version it was read with. */
  version: number;
  /** Deferred bins: whether the update changed it (for core roles, compared with a copy). */
  changed: boolean;
  deferred: boolean;
}

/** A deferred bin's file (undefined: none yet), and whether it is the known-good one byte for byte. */
interface Read {
  bytes: Buffer | undefined;
  same: boolean;
}

/** Bins updated per batch: each batch reads its known-good versions in one git call. */
const BATCH = 128;

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
  opts: { dryRun?: boolean; event?: string; readAllUpFront?: boolean } = {},
): Promise<UpdateResult> {
  if (!repo.has('root')) throw new UserError('metadata/root.json: missing; run `tufci init` first');
  try {
    // readAllUpFront: every bin read before any is updated (what a bin that delegates needs)
    return await update(repo, base, now, opts, !opts.readAllUpFront);
  } catch (e) {
    if (!(e instanceof NotALeaf)) throw e;
    return update(repo, base, now, opts, false);
  }
}

async function update(
  repo: RepoDir,
  base: MetadataReader,
  now: Date,
  opts: { dryRun?: boolean; event?: string },
  defer: boolean,
): Promise<UpdateResult> {
  // git lists the unchanged files (a diff that stats every file) while the work tree is walked
  const unchanged = base.unchangedTargets?.() ?? Promise.resolve(new Map<string, number>());
  unchanged.catch(() => undefined);
  const roles = loadRoles(repo, now, defer);
  const { core, deferred, order, imported } = roles;
  const original = new Map<string, Envelope>();
  for (const [role, env] of core) original.set(role, clone(env));
  const root = core.get('root')!.signed as RootSigned;
  await base.prefetch?.([...core.keys(), 'snapshot']);

  // Errors are kept, not thrown at once: roles are updated one at a time, each through
  // every step, and the error reported is the one the first failing step (for the first
  // role in load order) gives, as if each step ran over every role before the next.
  let failure: { step: number; at: number; error: unknown } | undefined;
  const fail = (step: number, at: number, error: unknown): void => {
    if (error instanceof NotALeaf) throw error;
    if (!failure || step < failure.step || (step === failure.step && at < failure.at))
      failure = { step, at, error };
  };
  const STEP = {
    read: 0,
    sync: 1,
    keyids: 2,
    version: 3,
    rule: 4,
    threshold: 5,
    online: 6,
    order: 7,
  };

  let wanted: Map<string, string[]> | undefined;
  if (core.has('targets')) {
    try {
      wanted = assignTargets(repo, roles, opts.event ?? 'sign/<event>');
    } catch (e) {
      fail(STEP.sync, -1, e);
    }
  }
  const infos = new FileInfos(repo, await unchanged);
  if (wanted) await infos.init(base, roles);

  const baseRoot = (await base.read('root'))?.signed as RootSigned | undefined;
  const baseTargets = (await base.read('targets'))?.signed as TargetsSigned | undefined;
  const baseSnap = (await base.read('snapshot'))?.signed as SnapshotSigned | undefined;
  const invites = readInvites(repo.dir);
  try {
    const keyMaps = [{ where: 'metadata/root.json', keys: root.keys }];
    const adopted = [baseRoot?.keys ?? {}];
    // every role that delegates (nested layouts too) lists keys under spec or adopted keyids
    for (const [role, env] of core) {
      const d = env.signed._type === 'targets' ? env.signed.delegations : undefined;
      if (!d || imported.has(role)) continue;
      keyMaps.push({ where: `metadata/${role}.json delegations`, keys: d.keys });
      const b = role === 'targets' ? baseTargets : (await base.read(role))?.signed;
      adopted.push((b as TargetsSigned | undefined)?.delegations?.keys ?? {});
    }
    checkKeyids(keyMaps, adopted);
  } catch (e) {
    fail(STEP.keyids, -1, e);
  }

  const logs = { sync: [] as string[], version: [] as string[], rule: [] as string[] };
  const written: string[] = [];
  const staged = new Map<string, Staged>();
  const same = (s: Slot): boolean =>
    s.base === 'same' ? !s.changed : !!s.base && sameJson(s.base.signed, s.env.signed);

  /**
   * The deferred bins among `names`: their files' bytes, and the texts of those whose
   * known-good version differs (read from git in one call). Parsed one at a time, in `slot`.
   */
  const readBatch = async (names: string[]): Promise<Map<string, Read>> => {
    const out = new Map<string, Read>();
    const fetch: string[] = [];
    for (const role of names) {
      const d = deferred.get(role);
      if (!d) continue;
      const bytes = d.exists ? readFileSync(repo.rolePath(role)) : undefined;
      const id = bytes ? await base.blobId?.(role) : undefined;
      const same = id !== undefined && id === blobIdOf(bytes!, id);
      out.set(role, { bytes, same });
      if (!same) fetch.push(role);
    }
    if (fetch.length) await base.prefetch?.(fetch);
    return out;
  };

  /** A deferred bin, read and parsed (its known-good version too, unless byte for byte the same). */
  const slot = async (role: string, r: Read, at: number): Promise<Slot | undefined> => {
    const d = deferred.get(role)!;
    try {
      const env = r.bytes
        ? parseEnvelope(r.bytes.toString('utf8'), repo.relRolePath(role), 'targets')
        : emptyBin(role, d.online, now, root);
      if (delegates(env)) throw new NotALeaf();
      const b: Slot['base'] = r.same
        ? 'same'
        : await (base.readOnce ? base.readOnce(role) : base.read(role));
      return {
        role,
        env,
        base: b,
        version: env.signed.version,
        changed: !d.exists,
        deferred: true,
      };
    } catch (e) {
      fail(STEP.read, at, e);
      return undefined;
    }
  };

  const updateRole = async (s: Slot, at: number): Promise<void> => {
    const { role, env } = s;
    let step = STEP.sync;
    try {
      const files = wanted?.get(role);
      if (files) {
        const signed = env.signed as TargetsSigned;
        const own =
          s.base === 'same'
            ? signed.targets
            : ((s.deferred ? s.base?.signed : undefined) as TargetsSigned | undefined)?.targets;
        const next: Record<string, TargetFileJson> = {};
        for (const [p, t] of Object.entries(signed.targets)) if (isRegistryTarget(t)) next[p] = t;
        for (const p of files) {
          const t = infos.get(p, own);
          const old = Object.hasOwn(signed.targets, p) ? signed.targets[p] : undefined;
          next[p] = old && sameFileEntry(old, t) ? old : t;
        }
        if (!sameTargets(next, signed.targets)) {
          logs.sync.push(`${role}: targets synced with files under targets/`);
          signed.targets = next;
          s.changed = true;
        }
      }

      step = STEP.version;
      const b = s.base;
      if (imported.has(role)) {
        // the source's bytes: no version bump, no signature dropped, no rule re-check here
        if (!same(s) && b !== 'same') checkImportedVersion(role, env, b);
      } else if (!same(s)) {
        const baseVersion = b === 'same' ? s.version : b?.signed.version;
        // a role new to git may have been published before (a bin of an earlier shape): never reuse a version
        const floor = baseVersion ?? baseSnap?.meta[`${role}.json`]?.version ?? 0;
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
          s.changed = true;
          logs.version.push(`${role}: version ${desired}, expires ${env.signed.expires}`);
        } else {
          const rk = roleKeys(role, root, core);
          const keys = { ...(baseRoot?.keys ?? {}), ...(rk?.keys ?? {}) };
          const good = new Set(
            validSignatures(
              env,
              keys,
              env.signatures.map((x) => x.keyid),
            ),
          );
          // tuf-on-ci writes `"sig": ""` for a signer who has not signed yet: a placeholder, not
          // a signature, so it stays where it is and is never reported as dropped.
          const kept = env.signatures.filter((x) => good.has(x.keyid) || x.sig === '');
          if (kept.length !== env.signatures.length) {
            logs.version.push(
              `${role}: dropped ${env.signatures.length - kept.length} signature(s) over older content`,
            );
            env.signatures = kept;
            s.changed = true;
          }
        }
      } else {
        // A role this event leaves alone may still be broken by it: when the event changes the
        // keys or threshold that role is checked against, signatures that met the old rule may
        // not meet the new one. Such a role is bumped here, so the event is incomplete until it
        // is signed again under the new rule (and never merges into an outage).
        step = STEP.rule;
        const rule = roleKeys(role, root, core);
        const parent = delegatorName(core, role);
        const baseParent =
          parent === undefined || parent === 'targets'
            ? baseTargets
            : ((await base.read(parent))?.signed as TargetsSigned | undefined);
        const before = baseRoot ? roleKeys(role, baseRoot, baseParent) : undefined;
        // the same rule (keys, keyids, threshold) cannot break what it accepted before
        if (rule && before && !sameJson(rule, before)) {
          const metBefore = signerCount(env, before.keys, before.keyids) >= before.threshold;
          const validNow = signerCount(env, rule.keys, rule.keyids);
          if (metBefore && validNow < rule.threshold) {
            env.signed.version = s.version + 1;
            env.signed.expires = tufDate(addDays(now, periodsOf(role, env, root).expiry));
            env.signatures = [];
            s.changed = true;
            logs.rule.push(
              `${role}: version ${env.signed.version}, expires ${env.signed.expires}: its signatures meet the old rule but not this event's (${validNow} of ${rule.threshold} valid), so it must be signed again`,
            );
          }
        }
      }

      step = STEP.threshold;
      const rk = roleKeys(role, root, core);
      if (!rk) throw new UserError(`metadata/${role}.json: no role delegates to ${role}`);
      checkThreshold(
        `metadata/${role === 'root' || role === 'targets' ? 'root' : (delegatorName(core, role) ?? 'targets')}.json role ${role}`,
        rk,
        inviteCount(invites, role),
      );

      step = STEP.order;
      // a bin read unchanged passed this check when it was parsed
      if ((!s.deferred || s.changed) && !imported.has(role))
        checkKeyOrder(env.signed, `metadata/${role}.json`);
      if (s.deferred ? s.changed : !sameJson(env, original.get(role))) {
        written.push(role);
        // written beside the file now (so thousands of bins are never held), put in place at the end
        if (s.deferred && !opts.dryRun) staged.set(role, repo.stageRole(role, env));
      }
    } catch (e) {
      fail(step, at, e);
    }
  };

  try {
    await updateAll();
  } catch (e) {
    for (const st of staged.values()) st.discard();
    throw e;
  }
  async function updateAll(): Promise<void> {
    for (let i = 0; i < order.length; i += BATCH) {
      const names = order.slice(i, i + BATCH);
      const batch = await readBatch(names);
      for (const [j, role] of names.entries()) {
        const env = core.get(role);
        const s: Slot | undefined = env
          ? {
              role,
              env,
              base: await base.read(role),
              version: env.signed.version,
              changed: false,
              deferred: false,
            }
          : await slot(role, batch.get(role)!, i + j);
        batch.delete(role);
        if (s) await updateRole(s, i + j);
      }
    }
    for (const role of ['snapshot', 'timestamp']) {
      const rk = roleKeys(role, root, undefined);
      try {
        if (rk) checkThreshold(`metadata/root.json role ${role}`, rk);
      } catch (e) {
        fail(STEP.online, 0, e);
      }
    }
  }
  if (failure) {
    for (const st of staged.values()) st.discard();
    throw failure.error;
  }

  const log = [...logs.sync, ...logs.version, ...logs.rule];
  if (!opts.dryRun) {
    try {
      for (const role of written) {
        const st = staged.get(role);
        if (st) {
          st.commit();
          staged.delete(role);
        } else repo.writeRole(role, core.get(role)!);
      }
    } finally {
      for (const st of staged.values()) st.discard();
    }
  }
  const groups = new Map<string, string>();
  for (const env of core.values()) {
    const sr = (env.signed as TargetsSigned).delegations?.succinct_roles;
    if (sr && env.signed._type === 'targets')
      for (const b of binNames(sr))
        if (core.has(b) || deferred.has(b)) groups.set(b, sr.name_prefix);
  }
  const result = (): UpdateResult => ({
    written,
    log: compactLog(log, groups),
    writtenText: compactRoleNames(written, groups),
  });
  if (opts.dryRun) return result();
  // a root new in this event is kept in root_history; the known-good root's entry is never touched
  const rootEnv = core.get('root')!;
  if (rootEnv.signed.version > (baseRoot?.version ?? 0) && repo.writeRootHistory(rootEnv)) {
    if (!written.includes('root')) written.push('root');
  }
  return result();
}
