/**
 * Verifies a TUF-on-OCI repository whole before it is mirrored: tuf-js checks the root
 * chain from the trusted root, timestamp, snapshot and targets; then every delegated
 * role reachable from targets (succinct hash bins included) is checked here over
 * @tufjs/models: the version and hashes snapshot names, the delegator's keys and
 * threshold, and expiry. The mirror copies only what this read and verified.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Metadata, MetadataKind, type Snapshot, type Targets } from '@tufjs/models';
import { openTufSession } from '../client/oci-client.js';
import { IMPORT_FIELD } from '../tuf/imported.js';
import { NotVerifiedError } from '../errors.js';
import type { TufOciRepo } from '../oci/index.js';

export interface VerifiedRepository {
  timestamp: { version: number; expires: Date };
  /** `targets` and every delegated role reached from it, as verified. */
  roles: Map<string, Targets>;
  /** The bytes of the metadata files verified (a copy sends them without reading again). */
  files: Uint8Array[];
}

export interface VerifySourceOptions {
  repo: TufOciRepo;
  trustedRoot: Uint8Array;
  /** The TUF client's metadata cache (tuf-js). */
  cacheDir: string;
  /** Names the repository in messages. */
  name: string;
  now: Date;
}

export async function verifySource(o: VerifySourceOptions): Promise<VerifiedRepository> {
  const session = await openTufSession({
    trustedRoot: o.trustedRoot,
    source: o.repo,
    cacheDir: o.cacheDir,
    name: o.name,
    now: o.now,
  });
  const files: Uint8Array[] = [];
  const load = (file: string): unknown => {
    const bytes = readFileSync(join(session.metadataDir, file));
    files.push(bytes);
    return JSON.parse(bytes.toString('utf8'));
  };
  const timestamp = load('timestamp.json') as { signed: { version: number; expires: string } };
  const snapshot = Metadata.fromJSON(
    MetadataKind.Snapshot,
    load('snapshot.json') as never,
  ) as Metadata<Snapshot>;
  const top = Metadata.fromJSON(
    MetadataKind.Targets,
    load('targets.json') as never,
  ) as Metadata<Targets>;
  const roles = new Map<string, Targets>([['targets', top.signed]]);
  const queue: Metadata<Targets>[] = [top];
  const fail = (why: string): never => {
    throw new NotVerifiedError(`${o.name}: verification failed: ${why}`);
  };
  for (let parent = queue.shift(); parent; parent = queue.shift()) {
    const d = parent.signed.delegations;
    const names = [...Object.keys(d?.roles ?? {}), ...(d?.succinctRoles?.getRoles() ?? [])];
    for (const name of names) {
      if (roles.has(name)) continue;
      const meta = snapshot.signed.meta[`${name}.json`];
      if (!meta) fail(`snapshot does not list the delegated role ${JSON.stringify(name)}`);
      const file = `${meta!.version}.${name}.json`;
      const bytes = await o.repo.readMetadata(file);
      if (!bytes) fail(`${file}, which snapshot names, is not published`);
      let md: Metadata<Targets>;
      try {
        meta!.verify(Buffer.from(bytes!));
        md = Metadata.fromJSON(
          MetadataKind.Targets,
          JSON.parse(Buffer.from(bytes!).toString('utf8')) as never,
        ) as Metadata<Targets>;
        parent.verifyDelegate(name, md);
      } catch (e) {
        return fail(`${file}: ${(e as Error).message}`);
      }
      if (md.signed.version !== meta!.version)
        fail(`${file} holds version ${md.signed.version}, snapshot names ${meta!.version}`);
      if (md.signed.isExpired(o.now)) fail(`${file} expired at ${md.signed.expires}`);
      roles.set(name, md.signed);
      files.push(bytes!);
      // an imported role's own delegations are its source's: not part of this repository
      if (!d?.roles?.[name]?.unrecognizedFields?.[IMPORT_FIELD]) queue.push(md);
    }
  }
  return {
    timestamp: {
      version: timestamp.signed.version,
      expires: new Date(timestamp.signed.expires),
    },
    roles,
    files,
  };
}
