/**
 * Which role owns a target path: the one place tufci decides it. The search walks the
 * delegation graph as a TUF client does (preorder, depth first, `terminating` cuts the
 * rest of the search), over @tufjs/models' DelegatedRole and SuccinctRoles.
 */
import { hash } from 'node:crypto';
import { Targets } from '@tufjs/models';
import { UserError } from '../errors.js';
import { checkRoleName } from './names.js';
import { checkTargetPath } from './target-files.js';
import type { DelegatedRoleJson, DelegationsJson, TargetsSigned } from './types.js';
import { TOP_LEVEL_ROLES } from './types.js';

/** A targets role's signed metadata by name, or undefined when it is not available. */
export type TargetsLookup = (role: string) => TargetsSigned | undefined;

/** A client visits at most this many roles for one target (python-tuf's max_delegations). */
const MAX_ROLES = 32;

/** TUF path pattern match: '*' matches within one path segment, segments must align. */
export function pathMatches(patterns: string[], path: string): boolean {
  const segs = path.split('/');
  return patterns.some((pat) => {
    const ps = pat.split('/');
    if (ps.length !== segs.length) return false;
    return ps.every((p, i) => globSegment(p, segs[i]!));
  });
}

function globSegment(pattern: string, s: string): boolean {
  const re = new RegExp(
    '^' +
      pattern
        .replace(/[.+^${}()|[\]\\]/g, '\\$&')
        .replace(/\*/g, '.*')
        .replace(/\?/g, '.') +
      '$',
    's',
  );
  return re.test(s);
}

const followable = (name: string): boolean => {
  if ((TOP_LEVEL_ROLES as readonly string[]).includes(name)) return false;
  try {
    checkRoleName(name);
    return true;
  } catch {
    return false;
  }
};

type Model = NonNullable<Targets['delegations']>;

/** Models built, by the delegations object they were built from (one per role, not per target). */
const models = new WeakMap<DelegationsJson, Model | undefined>();

/** @tufjs/models' view of a role's delegations (its target list left out: only delegations matter). */
function modelOf(signed: TargetsSigned, role: string): Model | undefined {
  const d = signed.delegations;
  if (d && models.has(d)) return models.get(d);
  try {
    const json = { ...signed, targets: {} } as unknown as Parameters<typeof Targets.fromJSON>[0];
    const model = Targets.fromJSON(json).delegations;
    if (d) models.set(d, model);
    return model;
  } catch (e) {
    throw new UserError(`metadata/${role}.json delegations: ${(e as Error).message}`);
  }
}

function delegates(d: DelegatedRoleJson, path: string, model: Model | undefined): boolean {
  if (d.paths !== undefined) return pathMatches(d.paths, path);
  return model?.roles?.[d.name]?.isDelegatedPath(path) ?? false;
}

/** The roles `parent` delegates `path` to, in order, with their terminating flag. */
function childrenFor(
  dl: DelegationsJson,
  model: Model,
  path: string,
): { role: string; terminating: boolean; bin: boolean }[] {
  if (dl.roles) {
    return dl.roles
      .filter((d) => delegates(d, path, model))
      .map((d) => ({ role: d.name, terminating: d.terminating, bin: false }));
  }
  const sr = model.succinctRoles;
  return sr ? [{ role: sr.getRoleForTarget(path), terminating: true, bin: true }] : [];
}

export interface SearchStep {
  role: string;
  /** The role that delegated to it; undefined for `targets`. */
  parent?: string;
  /** A succinct hash bin. */
  bin: boolean;
}

/**
 * The roles a TUF client visits, in order, looking for `path` (when no role lists it).
 * A role whose name is not a valid role name (or is a top-level role) is never followed,
 * nor is a role already visited; a role whose metadata is not available is a leaf.
 */
export function delegationSearch(lookup: TargetsLookup, path: string): SearchStep[] {
  const out: SearchStep[] = [];
  const visited = new Set<string>();
  const stack: SearchStep[] = [{ role: 'targets', bin: false }];
  while (stack.length && out.length < MAX_ROLES) {
    const step = stack.pop()!;
    if (visited.has(step.role)) continue;
    visited.add(step.role);
    out.push(step);
    const signed = lookup(step.role);
    if (!signed?.delegations) continue;
    const model = modelOf(signed, step.role);
    if (!model) continue;
    const next: SearchStep[] = [];
    for (const c of childrenFor(signed.delegations, model, path)) {
      if (followable(c.role)) next.push({ role: c.role, parent: step.role, bin: c.bin });
      if (c.terminating) {
        stack.length = 0;
        break;
      }
    }
    stack.push(...next.reverse());
  }
  return out;
}

/** Names of the named (non-bin) roles delegated anywhere in the available graph. */
function namedRoles(lookup: TargetsLookup): Map<string, DelegatedRoleJson & { parent: string }> {
  const out = new Map<string, DelegatedRoleJson & { parent: string }>();
  const todo = ['targets'];
  while (todo.length && out.size < 10_000) {
    const parent = todo.shift()!;
    for (const d of lookup(parent)?.delegations?.roles ?? []) {
      if (!followable(d.name) || out.has(d.name)) continue;
      out.set(d.name, { ...d, parent });
      todo.push(d.name);
    }
  }
  return out;
}

/**
 * The role that owns target `path` in a tufci repository. `targets/<role>/…` belongs to
 * the named delegated role `<role>` (at any depth), which a client's search must reach;
 * a path a succinct hash-bin delegation covers belongs to its bin; anything else
 * (files directly in targets/ included) to `targets`.
 */
export function roleForTarget(
  lookup: TargetsLookup,
  path: string,
  where = `target "${path}"`,
): string {
  checkTargetPath(path, where);
  const search = delegationSearch(lookup, path);
  const first = path.includes('/') ? path.split('/')[0]! : undefined;
  const named = first === undefined ? undefined : namedRoles(lookup).get(first);
  const parentSigned = named ? lookup(named.parent) : undefined;
  if (first !== undefined && named) {
    // a named role that delegates to hash bins hands its paths to the bin they hash to
    if (search.some((s) => s.role === first)) return search.find((s) => s.bin)?.role ?? first;
    const parentReached = search.some((s) => s.role === named.parent);
    if (
      !parentReached ||
      !delegates(named, path, parentSigned && modelOf(parentSigned, named.parent))
    ) {
      const pats = named.paths ?? named.path_hash_prefixes ?? [];
      throw new UserError(
        `${where}: not inside the paths delegated to role ${first} (${pats.join(', ') || 'none'})`,
      );
    }
    const cut = search.filter((s) => s.role !== 'targets').at(-1)?.role ?? 'targets';
    throw new UserError(
      `${where}: a client's search stops at terminating role ${cut} before reaching role ${first}`,
    );
  }
  return search.find((s) => s.bin)?.role ?? nestedLeaf(lookup, search) ?? 'targets';
}

/**
 * The first role of the search that delegates nothing itself, reached below a delegated
 * role (not straight from targets): a nested layout's leaf, such as a project's
 * `targets-<project>` under claimed → claimedbin-NNNN → keys-<project>.
 */
function nestedLeaf(lookup: TargetsLookup, search: SearchStep[]): string | undefined {
  return search.find((s) => {
    if (s.role === 'targets' || s.parent === undefined || s.parent === 'targets') return false;
    const d = lookup(s.role)?.delegations;
    return !d || (!(d.roles?.length ?? 0) && !d.succinct_roles);
  })?.role;
}

/**
 * When targets delegates straight to succinct hash bins (no named roles anywhere, so no
 * search can go elsewhere), `roleForTarget` for a checked path: its bin, by hash alone,
 * without a delegation search per path (a repository of 100k targets). Else undefined.
 */
export function binOwner(
  lookup: TargetsLookup,
): ((path: string, where: string) => string) | undefined {
  const targets = lookup('targets');
  const d = targets?.delegations;
  if (!targets || !d?.succinct_roles || d.roles !== undefined) return undefined;
  const sr = modelOf(targets, 'targets')?.succinctRoles;
  if (!sr) return undefined;
  // as SuccinctRoles.getRoleForTarget (TAP 15: the first bit_length bits of the path's
  // sha256), with a one-shot hash: no Hash object per path to wait for the collector
  const shift = 32 - sr.bitLength;
  const width = (2 ** sr.bitLength - 1).toString(16).length;
  return (path, where) => {
    const n = hash('sha256', path, 'buffer').readUInt32BE(0) >>> shift;
    const bin = `${sr.namePrefix}-${n.toString(16).padStart(width, '0')}`;
    // a bin that itself delegates (or a name no client follows) needs the whole search
    return followable(bin) && !lookup(bin)?.delegations ? bin : roleForTarget(lookup, path, where);
  };
}

/** A lookup over loaded envelopes (e.g. an event's roles by name). */
export function lookupIn(roles: Map<string, { signed: unknown }>): TargetsLookup {
  return (role) => {
    const s = roles.get(role)?.signed as TargetsSigned | undefined;
    return s?._type === 'targets' ? s : undefined;
  };
}
