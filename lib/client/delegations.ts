/**
 * tufci's own target lookup (TUF client workflow 5.6.7) over delegated targets roles.
 *
 * tuf-js trusts a delegated role it loaded once, whichever delegator it was reached
 * through; in a "diamond" (one role name delegated by two roles with different keys)
 * the second path would inherit the first one's authority. Here every visit verifies
 * the role against the delegator of the current search path, whether the role comes
 * from memory, from the trusted metadata directory or from the repository. Diamonds
 * themselves are fine: a projects layout in the middle of a promotion has them.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  type Key,
  Metadata,
  MetadataKind,
  type Snapshot,
  type TargetFile,
  type Targets,
} from '@tufjs/models';
import type { Fetcher } from 'tuf-js';
import { NotVerifiedError } from '../errors.js';
import { keyMaterial } from '../tuf/key-identity.js';
import { writeTrusted } from './trust-dir.js';

export interface LookupOptions {
  metadataDir: string;
  metadataBaseUrl: string;
  fetcher: Fetcher;
  /** Trusted top-level metadata after a refresh. */
  snapshot: Metadata<Snapshot>;
  targets: Metadata<Targets>;
  consistentSnapshot: boolean;
  /** Reference time for expiry. */
  now: Date;
  /** Most roles visited in one lookup (tuf-js's default is 32). */
  maxDelegations?: number;
  /** Largest delegated metadata read when snapshot gives no length. */
  maxLength?: number;
}

/**
 * How many distinct public keys among `keyIDs` (looked up in `keys`) signed `md`: one key
 * listed under two keyids counts once, so a threshold is met by that many keys.
 */
export function distinctSigners(
  md: Parameters<Key['verifySignature']>[0],
  keys: Record<string, Key>,
  keyIDs: string[],
): number {
  const signers = new Set<string>();
  for (const keyid of keyIDs) {
    const key = keys[keyid];
    if (!key) continue;
    try {
      key.verifySignature(md);
    } catch {
      continue;
    }
    signers.add(keyMaterial({ keytype: key.keyType, keyval: key.keyVal as { public: string } }));
  }
  return signers.size;
}

type Delegations = NonNullable<Targets['delegations']>;

/** One role on a chain of delegations, as its delegator's rule describes it. */
export interface ChainHop {
  role: string;
  /** The role that delegates to it (none for top-level targets). */
  delegator?: string;
  keyIDs: string[];
  /** Distinct keys among keyIDs. */
  keys: number;
  threshold: number;
  /** Distinct keys among keyIDs whose signature verifies; undefined when it was not read. */
  signers?: number;
  /** The delegation entry's `x-tufci-import` (where an imported role comes from), if any. */
  imported?: { repository?: string; role?: string };
}

/** A chain from top-level targets to a role that lists a target, or that failed to verify. */
export interface TargetChain {
  /** From top-level targets to the role that lists the target. */
  hops: ChainHop[];
  /** The target as this chain's last role lists it; absent when `error` is set. */
  target?: TargetFile;
  /** Why the last role of the chain does not verify. */
  error?: string;
}

/** Distinct key material among `keyIDs` known in `keys`. */
export function distinctKeys(keys: Record<string, Key>, keyIDs: string[]): number {
  const seen = new Set<string>();
  for (const id of keyIDs) {
    const key = keys[id];
    if (key)
      seen.add(keyMaterial({ keytype: key.keyType, keyval: key.keyVal as { public: string } }));
  }
  return seen.size;
}

function describeHop(role: string, delegator: string, delegations: Delegations): ChainHop {
  const rule =
    delegations.roles?.[role] ??
    (delegations.succinctRoles?.isDelegatedRole(role) ? delegations.succinctRoles : undefined);
  const keyIDs = rule?.keyIDs ?? [];
  const hop: ChainHop = {
    role,
    delegator,
    keyIDs,
    keys: distinctKeys(delegations.keys, keyIDs),
    threshold: rule?.threshold ?? 1,
  };
  const imported = rule?.unrecognizedFields?.['x-tufci-import'];
  if (imported && typeof imported === 'object' && !Array.isArray(imported)) {
    const text = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
    hop.imported = { repository: text(imported.repository), role: text(imported.role) };
  }
  return hop;
}

/** The metadata file name of a role: its name URL-encoded, as tuf-js and python-tuf use. */
function roleFile(role: string): string {
  return `${encodeURIComponent(role)}.json`;
}

/** A role to visit, and the delegator on the current search path (none for targets). */
interface Visit {
  role: string;
  delegator?: Delegator;
}

interface Delegator {
  name: string;
  md: Metadata<Targets>;
}

/** Where `find` found a target: the role that lists it and the delegator on the path to it. */
export interface FoundTarget {
  info: TargetFile;
  role: string;
  /** The role that delegates to it (none for top-level targets). */
  delegator?: { name: string; md: Metadata<Targets> };
  /** The role's metadata exactly as verified (delegated roles only; targets.json is tuf-js's). */
  bytes?: Uint8Array;
}

export class DelegationLookup {
  private readonly loaded = new Map<string, Metadata<Targets>>();
  private readonly raw = new Map<string, Uint8Array>();

  constructor(private readonly o: LookupOptions) {}

  /** The target's signed info from the most trusted role that has it, or undefined. */
  async find(targetPath: string): Promise<TargetFile | undefined> {
    return (await this.findWhere(targetPath))?.info;
  }

  /** As `find`, with the role that lists the target, its delegator and its verified bytes. */
  async findWhere(targetPath: string): Promise<FoundTarget | undefined> {
    const max = this.o.maxDelegations ?? 32;
    const toVisit: Visit[] = [{ role: 'targets' }];
    const visited = new Set<string>();
    while (toVisit.length > 0 && visited.size <= max) {
      const { role, delegator } = toVisit.pop()!;
      if (visited.has(role)) continue;
      const md = delegator ? await this.load(role, delegator) : this.o.targets;
      const found = md.signed.targets[targetPath];
      if (found) {
        const bytes = delegator ? this.raw.get(role) : undefined;
        return {
          info: found,
          role,
          ...(delegator ? { delegator } : {}),
          ...(bytes ? { bytes } : {}),
        };
      }
      visited.add(role);
      const delegations = md.signed.delegations;
      if (!delegations) continue;
      const children: Visit[] = [];
      for (const { role: child, terminating } of delegations.rolesForTarget(targetPath)) {
        children.push({ role: child, delegator: { name: role, md } });
        if (terminating) {
          toVisit.splice(0);
          break;
        }
      }
      toVisit.push(...children.reverse());
    }
    return undefined;
  }

  /**
   * Every chain of delegations that lists `targetPath` (see chains.ts), in the order TUF's
   * search visits them: unlike `find`, the walk goes on past a role that lists the target,
   * and a role that does not verify ends its own chain (reported with the reason), not the
   * walk. A terminating delegation still ends the walk after its subtree, as in `find`.
   * Nothing here decides whether the target verifies: `find` does.
   */
  async chains(targetPath: string, top: ChainHop): Promise<TargetChain[]> {
    const max = this.o.maxDelegations ?? 32;
    const out: TargetChain[] = [];
    let visits = 0;
    let stopped = false;
    const walk = async (md: Metadata<Targets>, hops: ChainHop[]): Promise<void> => {
      const listed = md.signed.targets[targetPath];
      if (listed) out.push({ hops, target: listed });
      const delegations = md.signed.delegations;
      if (!delegations) return;
      const name = hops[hops.length - 1]!.role;
      for (const { role: child, terminating } of delegations.rolesForTarget(targetPath)) {
        if (stopped) return;
        if (hops.some((h) => h.role === child)) continue; // a cycle
        if (++visits > max) {
          stopped = true;
          return;
        }
        const hop = describeHop(child, name, delegations);
        try {
          const childMd = await this.load(child, { name, md });
          hop.signers = distinctSigners(childMd, delegations.keys, hop.keyIDs);
          await walk(childMd, [...hops, hop]);
        } catch (e) {
          out.push({ hops: [...hops, hop], error: (e as Error).message });
        }
        if (terminating) stopped = true;
      }
    };
    await walk(this.o.targets, [top]);
    return out;
  }

  /** A delegated role this lookup loaded and verified, if any. */
  loadedRole(role: string): Metadata<Targets> | undefined {
    return this.loaded.get(role);
  }

  /** A delegated role, verified against `delegator` on every visit. */
  private async load(role: string, delegator: Delegator): Promise<Metadata<Targets>> {
    const meta = this.o.snapshot.signed.meta[`${role}.json`];
    if (!meta) throw new NotVerifiedError(`${role}.json: the role is not listed in snapshot`);
    const inMemory = this.loaded.get(role);
    if (inMemory) {
      this.check(role, inMemory, delegator);
      return inMemory;
    }
    const local = join(this.o.metadataDir, roleFile(role));
    if (existsSync(local)) {
      try {
        const bytes = readFileSync(local);
        const md = this.parse(role, bytes);
        this.check(role, md, delegator);
        if (md.signed.version === meta.version) {
          this.loaded.set(role, md);
          this.raw.set(role, bytes);
          return md;
        }
      } catch {
        // not usable any more: load it from the repository
      }
    }
    const version = this.o.consistentSnapshot ? `${meta.version}.` : '';
    const url = new URL(`${version}${roleFile(role)}`, this.o.metadataBaseUrl).href;
    const bytes = await this.o.fetcher.downloadBytes(url, meta.length ?? this.o.maxLength ?? 5e6);
    try {
      meta.verify(bytes);
    } catch (e) {
      throw new NotVerifiedError(
        `${role}.json: the bytes do not match the length or hashes in snapshot (${(e as Error).message})`,
        { cause: e },
      );
    }
    const md = this.parse(role, bytes);
    this.check(role, md, delegator);
    if (md.signed.version !== meta.version)
      throw new NotVerifiedError(
        `${role}.json: version ${md.signed.version} is not the version ${meta.version} snapshot names`,
      );
    writeTrusted(this.o.metadataDir, roleFile(role), bytes);
    this.loaded.set(role, md);
    this.raw.set(role, bytes);
    return md;
  }

  private parse(role: string, bytes: Uint8Array): Metadata<Targets> {
    try {
      const json = JSON.parse(Buffer.from(bytes).toString('utf8')) as {
        signed?: { _type?: unknown };
      };
      if (json?.signed?._type !== MetadataKind.Targets)
        throw new Error(`its type is ${JSON.stringify(json?.signed?._type)}, not "targets"`);
      return Metadata.fromJSON(MetadataKind.Targets, json as never);
    } catch (e) {
      throw new NotVerifiedError(`${role}.json: malformed metadata (${(e as Error).message})`, {
        cause: e,
      });
    }
  }

  /** Threshold (distinct keys) of the delegator's rule for `role`, and expiry. */
  private check(role: string, md: Metadata<Targets>, delegator: Delegator): void {
    const delegations = delegator.md.signed.delegations;
    const rule =
      delegations?.roles?.[role] ??
      (delegations?.succinctRoles?.isDelegatedRole(role) ? delegations.succinctRoles : undefined);
    if (!delegations || !rule)
      throw new NotVerifiedError(`${role}.json: ${delegator.name} does not delegate to it`);
    const signers = distinctSigners(md, delegations.keys, rule.keyIDs);
    if (signers < rule.threshold)
      throw new NotVerifiedError(
        `${role}.json: signed by ${signers} distinct key(s) of those ${delegator.name} trusts for it, ${rule.threshold} required`,
      );
    if (md.signed.isExpired(this.o.now))
      throw new NotVerifiedError(`${role}.json: expired on ${md.signed.expires}`);
  }
}
