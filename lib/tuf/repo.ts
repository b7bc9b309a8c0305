import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../errors.js';
import { removeInside, stageInside, writeInside } from '../util/fs.js';
import type { Staged } from '../util/fs.js';
import { parseEnvelope, serialize } from './envelope.js';
import { binNames } from './bins.js';
import { checkRoleName } from './names.js';
import { importOf } from './imported.js';
import { roleType } from './types.js';
import type { Envelope, RootSigned, TargetsSigned } from './types.js';

/** Reads role metadata from somewhere: the work tree, a git revision, a published tree. */
export interface MetadataReader {
  /** The role's envelope, or undefined when the role does not exist there. */
  read(role: string): Promise<Envelope | undefined>;
  /**
   * Paths under targets/ whose files are as they were in this state, when it can tell,
   * each with its size in this state.
   */
  unchangedTargets?(): Promise<Map<string, number>>;
  /** Reads `roles` ahead in one go (a hint: `read` works without it). */
  prefetch?(roles: string[]): Promise<void>;
  /** The git object id of the role's file in this state, when it can tell. */
  blobId?(role: string): Promise<string | undefined>;
  /**
   * As `read`, but the envelope is not kept for later reads (for thousands of hash bins,
   * read one at a time; `prefetch` them a batch at a time).
   */
  readOnce?(role: string): Promise<Envelope | undefined>;
}

/** A repository checkout: `metadata/` and `targets/` under one directory. */
export class RepoDir implements MetadataReader {
  readonly metadataDir: string;
  readonly targetsDir: string;

  constructor(readonly dir: string) {
    this.metadataDir = join(dir, 'metadata');
    this.targetsDir = join(dir, 'targets');
  }

  rolePath(role: string): string {
    checkRoleName(role, 'role name');
    return join(this.metadataDir, `${role}.json`);
  }

  relRolePath(role: string): string {
    return `metadata/${role}.json`;
  }

  has(role: string): boolean {
    return existsSync(this.rolePath(role));
  }

  async read(role: string): Promise<Envelope | undefined> {
    return this.has(role) ? this.readRole(role) : undefined;
  }

  readRole(role: string): Envelope {
    const path = this.rolePath(role);
    if (!existsSync(path)) throw new UserError(`${this.relRolePath(role)}: no such metadata file`);
    return parseEnvelope(readFileSync(path, 'utf8'), this.relRolePath(role), roleType(role));
  }

  /** A role's file as it is (an imported role's bytes are the source's). */
  readRoleBytes(role: string): Buffer {
    return readFileSync(this.rolePath(role));
  }

  root(): Envelope<RootSigned> {
    return this.readRole('root') as Envelope<RootSigned>;
  }

  targets(role = 'targets'): Envelope<TargetsSigned> {
    return this.readRole(role) as Envelope<TargetsSigned>;
  }

  /**
   * Writes a role; a root is also kept in root_history/N.root.json. Pass
   * `history: false` for a root whose version is not final yet (changed before
   * the event's version bump): writing it would overwrite a published root.
   */
  writeRole(role: string, env: Envelope, opts: { history?: boolean } = {}): void {
    const text = serialize(env);
    checkRoleName(role, 'role name');
    writeInside(this.dir, this.relRolePath(role), text, { what: 'repository' });
    if (role === 'root' && opts.history !== false) this.writeRootHistory(env);
  }

  /**
   * A targets role's new metadata written beside its file, put in place by `commit` (see
   * stageInside): a batch of roles is staged one by one, then committed together.
   */
  stageRole(role: string, env: Envelope): Staged {
    checkRoleName(role, 'role name');
    return stageInside(this.dir, this.relRolePath(role), serialize(env), { what: 'repository' });
  }

  /** Makes root_history/N.root.json (N the root's version) hold this root; true when written. */
  writeRootHistory(env: Envelope): boolean {
    const text = serialize(env);
    const rel = `metadata/root_history/${env.signed.version}.root.json`;
    const path = join(this.dir, rel);
    if (existsSync(path) && readFileSync(path, 'utf8') === text) return false;
    writeInside(this.dir, rel, text, { what: 'repository' });
    return true;
  }

  removeRole(role: string): void {
    checkRoleName(role, 'role name');
    removeInside(this.dir, this.relRolePath(role), 'repository');
  }

  /** Delegated targets role names, in delegation order (one level below targets; bins included). */
  delegatedRoles(targets?: Envelope<TargetsSigned>): string[] {
    const t = targets ?? (this.has('targets') ? this.targets() : undefined);
    const d = t?.signed.delegations;
    return [
      ...(d?.roles ?? []).map((r) => r.name),
      ...(d?.succinct_roles ? binNames(d.succinct_roles) : []),
    ];
  }

  /**
   * The offline roles that exist (root, targets, then every role delegated from targets,
   * from delegated roles and from hash bins, breadth first in delegation order), each file
   * read and parsed once (an imported role's own delegations are the source's and are not
   * followed). A missing delegated role is an error; with `missingBins: 'skip'`
   * a missing hash bin is left out (event update creates it).
   */
  readOfflineRoles(
    o: {
      missingBins?: 'skip';
      /** Filled with the name of every role found, loaded or deferred, in load order. */
      order?: string[];
      /** Hash bins found are added here instead of being read (their delegations are not followed). */
      deferBins?: Set<string>;
    } = {},
  ): Map<string, Envelope> {
    const roles = new Map<string, Envelope>();
    if (!this.has('root')) return roles;
    roles.set('root', this.root());
    o.order?.push('root');
    if (!this.has('targets')) return roles;
    const todo: Envelope<TargetsSigned>[] = [this.targets()];
    roles.set('targets', todo[0]!);
    o.order?.push('targets');
    for (let i = 0; i < todo.length; i++) {
      const d = todo[i]!.signed.delegations;
      if (!d) continue;
      const named = (d.roles ?? []).map((r) => r.name);
      // an imported role is the source's: its own delegations are the source's, not loaded here
      const imported = new Set((d.roles ?? []).filter((r) => importOf(r)).map((r) => r.name));
      const bins = d.succinct_roles ? binNames(d.succinct_roles) : [];
      for (const [name, bin] of [
        ...named.map((n) => [n, false] as const),
        ...bins.map((n) => [n, true] as const),
      ]) {
        if (roles.has(name) || o.deferBins?.has(name) || roleType(name) !== 'targets') continue;
        if (bin && o.missingBins === 'skip' && !this.has(name)) continue;
        o.order?.push(name);
        if (bin && o.deferBins) {
          o.deferBins.add(name);
          continue;
        }
        const env = this.targets(name);
        roles.set(name, env);
        if (!imported.has(name)) todo.push(env);
      }
    }
    return roles;
  }

  /** Root versions kept in root_history, ascending. */
  rootHistory(): number[] {
    const dir = join(this.metadataDir, 'root_history');
    if (!existsSync(dir)) return [];
    return readdirSync(dir)
      .map((f) => /^(\d+)\.root\.json$/.exec(f)?.[1])
      .filter((v): v is string => v !== undefined)
      .map(Number)
      .sort((a, b) => a - b);
  }

  readRootVersion(version: number): string {
    return readFileSync(join(this.metadataDir, 'root_history', `${version}.root.json`), 'utf8');
  }
}
