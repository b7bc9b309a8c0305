import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../errors.js';
import { hashFile } from '../util/file-content.js';
import { freezeEnvelopes, parseEnvelope } from '../tuf/envelope.js';
import type { RepoDir } from '../tuf/repo.js';
import { checkRoleSigned } from '../tuf/health.js';
import { checkTargetPath } from '../tuf/target-files.js';
import type { Envelope, RootSigned, TargetFileJson, TargetsSigned } from '../tuf/types.js';
import { importedRoles } from '../tuf/imported.js';
import { pathMatches } from '../tuf/owner.js';

interface EntryBase {
  /** Path in the published tree, e.g. `3.targets.json` or `targets/app/<sha>.app.tgz`. */
  path: string;
  /** Role name for metadata entries; target path for targets. */
  name: string;
  version?: number;
  sha256: string;
  length: number;
}

/** A metadata file: small, held in memory. */
export interface MetadataEntry extends EntryBase {
  kind: 'root' | 'metadata';
  bytes: Buffer;
}

/** A target file: never read whole; publishers copy or stream it from `file`. */
export interface TargetEntry extends EntryBase {
  kind: 'target';
  /** Absolute path of the file under targets/, verified against `target` when the tree was built. */
  file: string;
  target: TargetFileJson;
}

export type TreeEntry = MetadataEntry | TargetEntry;

export const isTargetEntry = (e: TreeEntry): e is TargetEntry => e.kind === 'target';
export const isMetadataEntry = (e: TreeEntry): e is MetadataEntry => e.kind !== 'target';

/**
 * The consistent-snapshot tree, in safe upload order: targets, delegated
 * metadata, targets.json, every root version, snapshot, and timestamp last — so a
 * client never sees a timestamp or snapshot whose dependencies are missing.
 */
export interface PublishTree {
  entries: TreeEntry[];
  roles: Map<string, Envelope>;
  /**
   * Registry artifacts (signed OCI descriptors): not files, published by reference.
   * `imported`: an imported role lists the path, so the repository its entry records may
   * be the source's, which a publish never writes to (no pointer is attached).
   */
  registryTargets: { path: string; target: TargetFileJson; imported?: boolean }[];
}

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/** The published path of a target: `targets/<dir>/<sha256>.<name>` (consistent snapshot). */
export function targetTreePath(path: string, hash: string): string {
  const i = path.lastIndexOf('/');
  return i < 0
    ? `targets/${hash}.${path}`
    : `targets/${path.slice(0, i)}/${hash}.${path.slice(i + 1)}`;
}

/** The file of a target path an imported role lists, or undefined when the name is not a safe path. */
function safeTargetFile(repo: RepoDir, path: string): string | undefined {
  try {
    checkTargetPath(path, 'imported target');
  } catch {
    return undefined;
  }
  return join(repo.targetsDir, ...path.split('/'));
}

/** Builds the tree from a checkout of the default branch; refuses anything a client would reject. */
export function buildTree(repo: RepoDir, now: Date): PublishTree {
  if (!repo.has('root'))
    throw new UserError(`metadata/root.json: not found in ${repo.dir}; nothing to publish`);
  if (!repo.has('targets'))
    throw new UserError('metadata/targets.json: missing; nothing to publish');
  const roles = repo.readOfflineRoles();
  const offline = [...roles.keys()];
  for (const r of ['snapshot', 'timestamp']) {
    if (!repo.has(r))
      throw new UserError(`metadata/${r}.json: missing; run \`tufci online-sign\` first`);
    roles.set(r, repo.readRole(r));
  }
  // read only from here on (checked here, shown on index.html): each signature verified once
  freezeEnvelopes(roles.values());
  const root = roles.get('root')!.signed as RootSigned;
  const targets = roles.get('targets')!.signed as TargetsSigned;
  for (const [r, env] of roles) checkRoleSigned(r, env, root, roles, now, 'not publishable');

  const entries: TreeEntry[] = [];
  const registryTargets: PublishTree['registryTargets'] = [];
  const seen = new Set<string>();
  const imported = importedRoles(roles);
  // the names of an imported role its delegation covers: the only ones a client reaches
  const covers = (r: string, path: string): boolean => {
    const d = imported.get(r)!.delegator;
    const entry = (roles.get(d)?.signed as TargetsSigned | undefined)?.delegations?.roles?.find(
      (e) => e.name === r,
    );
    return pathMatches(entry?.paths ?? [], path);
  };
  const importedPaths = new Set(
    [...imported.keys()].flatMap((r) =>
      Object.keys((roles.get(r)?.signed as TargetsSigned | undefined)?.targets ?? {}).filter((p) =>
        covers(r, p),
      ),
    ),
  );
  // own roles first: a file an own role lists is checked even when an import lists it too
  const order = [
    ...offline.filter((x) => x !== 'root' && !imported.has(x)),
    ...offline.filter((x) => imported.has(x)),
  ];
  const listedRegistry = new Set<string>();
  for (const r of order) {
    const fromSource = imported.has(r);
    for (const [path, t] of Object.entries((roles.get(r)!.signed as TargetsSigned).targets)) {
      // an imported role is the source's: its names are the source's business (a client
      // reaches only those its delegation's paths cover), so they are not refused here
      if (!fromSource) checkTargetPath(path, `metadata/${r}.json targets`);
      else if (!covers(r, path)) continue;
      if (t.custom && typeof t.custom === 'object' && 'oci' in t.custom) {
        if (!listedRegistry.has(path) || !fromSource)
          registryTargets.push({
            path,
            target: t,
            ...(importedPaths.has(path) ? { imported: true } : {}),
          });
        listedRegistry.add(path);
        continue;
      }
      const file = fromSource
        ? safeTargetFile(repo, path)
        : join(repo.targetsDir, ...path.split('/'));
      // the source's files are not copied: only what the destination holds is published
      if (!file || (fromSource && !existsSync(file))) continue;
      let info: { sha256: string; length: number };
      try {
        info = hashFile(file);
      } catch (e) {
        // asked of the file itself, not with a stat first: one call per target, 100k targets
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'ENOENT' || code === 'ENOTDIR')
          throw new UserError(`targets/${path}: missing, but metadata/${r}.json lists it`);
        throw e;
      }
      const { sha256: hash, length } = info;
      if (fromSource && (hash !== t.hashes.sha256 || length !== t.length)) continue;
      if (hash !== t.hashes.sha256 || length !== t.length) {
        throw new UserError(
          `targets/${path}: content differs from metadata/${r}.json (length or sha256)`,
        );
      }
      const tp = targetTreePath(path, hash);
      if (!seen.has(tp))
        entries.push({
          path: tp,
          kind: 'target',
          name: path,
          file,
          length,
          sha256: hash,
          target: t,
        });
      seen.add(tp);
    }
  }
  const metaEntry = (
    r: string,
    path: string,
    kind: MetadataEntry['kind'],
    version?: number,
  ): void => {
    const bytes = readFileSync(repo.rolePath(r));
    entries.push({
      path,
      kind,
      name: r,
      version,
      bytes,
      length: bytes.length,
      sha256: sha256(bytes),
    });
  };
  for (const r of offline.filter((x) => x !== 'root' && x !== 'targets'))
    metaEntry(
      r,
      `${roles.get(r)!.signed.version}.${r}.json`,
      'metadata',
      roles.get(r)!.signed.version,
    );
  metaEntry('targets', `${targets.version}.targets.json`, 'metadata', targets.version);
  for (const v of repo.rootHistory()) {
    const bytes = Buffer.from(repo.readRootVersion(v));
    parseEnvelope(bytes.toString('utf8'), `metadata/root_history/${v}.root.json`, 'root');
    entries.push({
      path: `${v}.root.json`,
      kind: 'root',
      name: 'root',
      version: v,
      bytes,
      length: bytes.length,
      sha256: sha256(bytes),
    });
  }
  if (!repo.rootHistory().includes(root.version))
    metaEntry('root', `${root.version}.root.json`, 'root', root.version);
  const snap = roles.get('snapshot')!.signed;
  metaEntry('snapshot', `${snap.version}.snapshot.json`, 'metadata', snap.version);
  metaEntry('timestamp', 'timestamp.json', 'metadata');
  return { entries, roles, registryTargets };
}
