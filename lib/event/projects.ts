/**
 * The projects layout (claimed / recently-claimed, after PEP 480; see docs/LAYOUTS.md):
 *
 *   targets → claimed (offline) → claimedbin-NNNN (offline) → keys-P → targets-P
 *           → recently-claimed (online) → recentbin-NNNN (online) → keys-P → targets-P
 *
 * Role names never start with a project's name, so new prefixes stay safe to add.
 */
import { createHash } from 'node:crypto';
import { UserError } from '../errors.js';
import { addDays, tufDate } from '../tuf/envelope.js';
import { keyidIn } from '../tuf/key-identity.js';
import type { RepoDir } from '../tuf/repo.js';
import { checkThreshold } from '../tuf/roles.js';
import { KEYOWNER, ONLINE_URI } from '../tuf/types.js';
import type {
  DelegatedRoleJson,
  Envelope,
  KeyJson,
  RootSigned,
  TargetsSigned,
  TufPublicKey,
} from '../tuf/types.js';
import { defaultPaths } from './delegate.js';
import { readInvites, writeInvites } from './invites.js';

/** In targets.json: this repository uses the projects layout, with this many bins per layer. */
const PROJECTS = 'x-tufci-projects';
export const CLAIMED = 'claimed';
export const RECENT = 'recently-claimed';
const BIN_PREFIX = { [CLAIMED]: 'claimedbin', [RECENT]: 'recentbin' } as const;
export type Layer = typeof CLAIMED | typeof RECENT;

export const keysRole = (project: string): string => `keys-${project}`;
export const targetsRole = (project: string): string => `targets-${project}`;

/** The bin of `layer` a project lives in: its name's sha256, modulo the bin count, as 4 hex digits. */
export function binOf(layer: Layer, project: string, bins: number): string {
  const n = createHash('sha256').update(project).digest().readUInt32BE(0) % bins;
  return `${BIN_PREFIX[layer]}-${n.toString(16).padStart(4, '0')}`;
}

const PROJECT_NAME = /^[a-z0-9](?:[a-z0-9._-]{0,62}[a-z0-9])?$/;
const RESERVED =
  /^(claimed|recently-claimed|claimedbin-.*|recentbin-.*|keys-.*|targets-.*|root|targets|snapshot|timestamp|root_history)$/;

/** A project name: lower-case letters, digits, '.', '_', '-', at most 64, not a layer's role name. */
export function checkProjectName(name: string, where = 'project name'): void {
  if (!PROJECT_NAME.test(name) || name.includes('..'))
    throw new UserError(
      `${where}: ${JSON.stringify(name)} is not a project name (lower-case letters, digits, '.', '_', '-'; starts and ends with a letter or digit; at most 64)`,
    );
  if (RESERVED.test(name))
    throw new UserError(
      `${where}: ${JSON.stringify(name)} is reserved (a role of the projects layout has that name or prefix)`,
    );
}

/** An empty targets role, version 1 (the event update gives it its real version and expiry). */
function emptyRole(now: Date, extra: Partial<TargetsSigned> = {}): Envelope<TargetsSigned> {
  return {
    signed: {
      _type: 'targets',
      spec_version: '1.0.31',
      version: 1,
      expires: tufDate(addDays(now, 365)),
      targets: {},
      ...extra,
    },
    signatures: [],
  };
}

/** The bin count of a projects repository; refuses a repository without the layout. */
export function projectBins(targets: TargetsSigned): number {
  const v = (targets as Record<string, unknown>)[PROJECTS] as { bins?: unknown } | undefined;
  const bins = v?.bins;
  if (typeof bins !== 'number' || !Number.isInteger(bins) || bins < 1)
    throw new UserError(
      `metadata/targets.json: not a projects layout (no "${PROJECTS}.bins"); create one with \`tufci init --layout projects\``,
    );
  return bins;
}

/** The online key of root (snapshot's), as a delegation lists it: with its URI. */
function onlineKey(root: RootSigned): [string, KeyJson] {
  const id = root.roles.snapshot?.keyids.find(
    (k) => typeof root.keys[k]?.[ONLINE_URI] === 'string',
  );
  if (!id) throw new UserError(`metadata/root.json: snapshot has no key with ${ONLINE_URI}`);
  return [id, root.keys[id]!];
}

/**
 * Adds the two layers to a repository `init` just wrote: targets delegates every project
 * path to claimed (signed by the targets signers, invites included), then to
 * recently-claimed (signed by the online key).
 */
export function addProjectsLayout(repo: RepoDir, bins: number, now: Date): void {
  if (!Number.isInteger(bins) || bins < 1 || bins > 65536)
    throw new UserError(`--bins: ${bins} is not a whole number from 1 to 65536`);
  const root = repo.root();
  const targets = repo.targets();
  const t = targets.signed;
  const rule = root.signed.roles.targets!;
  const [onlineId, online] = onlineKey(root.signed);
  const keys: Record<string, KeyJson> = { [onlineId]: online };
  for (const id of rule.keyids) keys[id] = root.signed.keys[id]!;
  const all = defaultPaths('*');
  t.delegations = {
    keys,
    roles: [
      {
        name: CLAIMED,
        keyids: [...rule.keyids],
        threshold: rule.threshold,
        terminating: false,
        paths: all,
      },
      { name: RECENT, keyids: [onlineId], threshold: 1, terminating: false, paths: all },
    ],
  };
  (t as Record<string, unknown>)[PROJECTS] = { bins };
  repo.writeRole('targets', targets);
  repo.writeRole(CLAIMED, emptyRole(now, { delegations: { keys: {}, roles: [] } }));
  repo.writeRole(RECENT, emptyRole(now, { delegations: { keys: {}, roles: [] } }));
  // a targets signer still to be invited signs claimed too
  const invites = readInvites(repo.dir);
  for (const roles of Object.values(invites)) if (roles.includes('targets')) roles.push(CLAIMED);
  writeInvites(repo.dir, invites);
}

/** Where a project is delegated: each layer's bin that lists its keys role. */
export function findProject(
  repo: RepoDir,
  project: string,
): { layer: Layer; bin: string; entry: DelegatedRoleJson }[] {
  const out: { layer: Layer; bin: string; entry: DelegatedRoleJson }[] = [];
  for (const layer of [CLAIMED, RECENT] as const) {
    const bin = binOf(layer, project, projectBins(repo.targets().signed));
    if (!repo.has(bin)) continue;
    const entry = repo
      .targets(bin)
      .signed.delegations?.roles?.find((r) => r.name === keysRole(project));
    if (entry) out.push({ layer, bin, entry });
  }
  return out;
}

export interface Maintainer {
  user: string;
  key: TufPublicKey;
}

/** Writes maintainers' keys into a delegation's key map; returns their keyids. */
function addMaintainerKeys(
  keys: Record<string, KeyJson>,
  maintainers: Maintainer[],
  known: Record<string, KeyJson>,
): string[] {
  return maintainers.map((m) => {
    const id = keyidIn({ ...known, ...keys }, m.key);
    keys[id] = { ...m.key, [KEYOWNER]: m.user };
    return id;
  });
}

/** Drops keys no role of the delegation refers to any more. */
export function pruneKeys(signed: TargetsSigned): void {
  const d = signed.delegations;
  if (!d) return;
  const used = new Set((d.roles ?? []).flatMap((r) => r.keyids));
  for (const id of Object.keys(d.keys)) if (!used.has(id)) delete d.keys[id];
}

/** Adds (or removes) a project's paths in the layer's delegation to `bin`, creating the bin when new. */
export function routeProject(
  repo: RepoDir,
  layer: Layer,
  bin: string,
  project: string,
  add: boolean,
  now: Date,
  rule: { keys: Record<string, KeyJson>; keyids: string[]; threshold: number },
): void {
  const layerEnv = repo.targets(layer);
  const d = (layerEnv.signed.delegations ??= { keys: {}, roles: [] });
  d.roles ??= [];
  let entry = d.roles.find((r) => r.name === bin);
  const paths = defaultPaths(project);
  if (add) {
    if (!entry) {
      for (const id of rule.keyids) d.keys[id] = rule.keys[id]!;
      entry = {
        name: bin,
        keyids: [...rule.keyids],
        threshold: rule.threshold,
        terminating: false,
        paths: [],
      };
      d.roles.push(entry);
      d.roles.sort((a, b) => a.name.localeCompare(b.name));
      repo.writeRole(bin, emptyRole(now, { delegations: { keys: {}, roles: [] } }));
    }
    entry.paths = [...(entry.paths ?? []).filter((p) => !paths.includes(p)), ...paths];
  } else if (entry) {
    entry.paths = (entry.paths ?? []).filter((p) => !paths.includes(p));
    if (!entry.paths.length) {
      d.roles = d.roles.filter((r) => r !== entry);
      repo.removeRole(bin);
    }
  }
  pruneKeys(layerEnv.signed);
  repo.writeRole(layer, layerEnv);
}

/** The rule a layer's bins are signed by: the layer's own signers (claimed) or the online key. */
export function binRule(
  repo: RepoDir,
  layer: Layer,
): { keys: Record<string, KeyJson>; keyids: string[]; threshold: number } {
  const targets = repo.targets().signed;
  const d = targets.delegations?.roles?.find((r) => r.name === layer);
  if (!d || !targets.delegations)
    throw new UserError(`metadata/targets.json: no delegation to ${layer}; not a projects layout`);
  const keys = Object.fromEntries(d.keyids.map((id) => [id, targets.delegations!.keys[id]!]));
  return { keys, keyids: [...d.keyids], threshold: d.threshold };
}

export interface ClaimOptions {
  project: string;
  maintainers: Maintainer[];
  threshold: number;
  now: Date;
}

/**
 * Claims a new project: recentbin-NNNN (online) delegates its paths to keys-P with the
 * maintainers' keys, keys-P delegates them to targets-P with the same keys. The
 * maintainers sign keys-P and targets-P; CI signs the recently-claimed layer after merge.
 */
export function claimProject(repo: RepoDir, o: ClaimOptions): { bin: string } {
  checkProjectName(o.project, 'project');
  const bins = projectBins(repo.targets().signed);
  const where = findProject(repo, o.project);
  if (where.length || repo.has(keysRole(o.project)) || repo.has(targetsRole(o.project)))
    throw new UserError(
      `project ${o.project}: already claimed${where.length ? ` (in ${where.map((w) => w.bin).join(' and ')})` : ''}; change its maintainers with \`tufci project keys\``,
    );
  if (!o.maintainers.length) throw new UserError('--maintainers: give at least one @user');
  const ids = o.maintainers.map((m) => m.user);
  checkThreshold(`--threshold for project ${o.project}`, { keyids: ids, threshold: o.threshold });
  const bin = binOf(RECENT, o.project, bins);
  const root = repo.root().signed;
  routeProject(repo, RECENT, bin, o.project, true, o.now, binRule(repo, RECENT));
  const paths = defaultPaths(o.project);
  const binEnv = repo.targets(bin);
  const bd = (binEnv.signed.delegations ??= { keys: {}, roles: [] });
  const keyids = addMaintainerKeys(bd.keys, o.maintainers, root.keys);
  (bd.roles ??= []).push({
    name: keysRole(o.project),
    keyids,
    threshold: o.threshold,
    terminating: true,
    paths,
  });
  bd.roles.sort((a, b) => a.name.localeCompare(b.name));
  repo.writeRole(bin, binEnv);
  const keysEnv = emptyRole(o.now, { delegations: { keys: {}, roles: [] } });
  const kd = keysEnv.signed.delegations!;
  const tids = addMaintainerKeys(kd.keys, o.maintainers, root.keys);
  kd.roles!.push({
    name: targetsRole(o.project),
    keyids: tids,
    threshold: o.threshold,
    terminating: true,
    paths,
  });
  repo.writeRole(keysRole(o.project), keysEnv);
  repo.writeRole(targetsRole(o.project), emptyRole(o.now));
  return { bin };
}

/**
 * Sets who signs targets-P (the keys keys-P lists): a maintainer's change, signed by the
 * project's promoted keys. A new key can sign targets-P as soon as this merges.
 */
export function setProjectKeys(
  repo: RepoDir,
  project: string,
  maintainers: Maintainer[],
  threshold: number | undefined,
): void {
  checkProjectName(project, 'project');
  if (!findProject(repo, project).length || !repo.has(keysRole(project)))
    throw new UserError(
      `project ${project}: no such project; claim it with \`tufci project claim\``,
    );
  const env = repo.targets(keysRole(project));
  const d = env.signed.delegations?.roles?.find((r) => r.name === targetsRole(project));
  if (!d || !env.signed.delegations)
    throw new UserError(
      `metadata/${keysRole(project)}.json: no delegation to ${targetsRole(project)}`,
    );
  d.keyids = addMaintainerKeys(env.signed.delegations.keys, maintainers, repo.root().signed.keys);
  if (threshold !== undefined) d.threshold = threshold;
  checkThreshold(`--threshold for project ${project}`, d);
  pruneKeys(env.signed);
  repo.writeRole(keysRole(project), env);
}
