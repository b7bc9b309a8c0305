/**
 * Publishes the consistent-snapshot tree to an OCI registry or image-layout directory
 * in Docker's TUF-on-OCI layout (see docs/OCI.md): target files first (raw blobs, one
 * manifest per top-level file, one per directory), then delegated metadata (a manifest per
 * role), then the top-level metadata blobs, and the `latest` manifest last: a client
 * never sees a timestamp whose dependencies are missing. Incremental (what the
 * published metadata already lists is not touched) and idempotent.
 */
import {
  EMPTY_JSON,
  MEDIA_TYPE,
  OciError,
  Shared,
  TUF_MEDIA_TYPE,
  TufOciRepo,
  emptyState,
  findNamed,
  registryArtifactOf,
  runPool,
  type Descriptor,
  type OciStore,
  type PublishedState,
} from '../oci/index.js';
import {
  latestManifest,
  metadataLayer,
  publishedTargetFile,
  roleManifest,
  targetFile,
  directoryManifests,
  type TargetFile,
} from '../oci/tuf-manifests.js';
import { attachPointer } from './oci-pointer.js';
import type { Progress, PublishReport, Publisher } from './publisher.js';
import { isMetadataEntry, isTargetEntry, type MetadataEntry, type PublishTree } from './tree.js';

export interface OciStores {
  /** Holds `latest` and the delegated roles' manifests. */
  metadata: OciStore;
  /** Holds the target files. */
  targets: OciStore;
}

interface PointerOptions {
  /** `oci://HOST/REPO` of the metadata repository, written into each pointer. */
  metadata: string;
  /** The store for an artifact's repository (`HOST/REPO` as recorded), or undefined to skip it. */
  open(source: string): Promise<OciStore | undefined>;
  /**
   * The store for the same repository path on the registry being published to: where a
   * copy of an imported artifact lives (`tufci copy --signatures original`), since the
   * repository an imported entry records is the source's.
   */
  here?(source: string): Promise<OciStore | undefined>;
  /** `HOST` of the registry being published to, for messages. */
  host?: string;
}

export interface OciPublisherOptions {
  /** Uploads in flight at once (default 8). */
  concurrency?: number;
  /** Check every blob and manifest instead of trusting what the published metadata lists. */
  full?: boolean;
  /** Attach pointer referrers to signed registry artifacts after publishing. */
  pointers?: PointerOptions;
  /** Notes for people (pointers attached or skipped). */
  log?: (line: string) => void;
}

export interface OciPublishReport extends PublishReport {
  /** Pointer referrers, one line each: attached, present, skipped or failed. */
  pointers: string[];
}

const TOP_LEVEL = new Set(['targets', 'snapshot', 'timestamp']);

export class OciPublisher implements Publisher {
  constructor(
    readonly destination: string,
    private readonly stores: OciStores,
    private readonly options: OciPublisherOptions = {},
  ) {}

  async publish(tree: PublishTree, progress?: Progress): Promise<OciPublishReport> {
    const repo = new TufOciRepo(this.stores);
    const { metadata } = this.stores;
    const prev = this.options.full ? emptyState() : await repo.published();
    const report: OciPublishReport = {
      destination: this.destination,
      written: [],
      skipped: [],
      pointers: [],
    };
    let done = 0;
    const total = tree.entries.length;
    progress?.(0, total, 'published state read');
    const finish = (path: string, wrote: boolean): void => {
      (wrote ? report.written : report.skipped).push(path);
      progress?.(++done, total, path);
    };
    const limit = this.options.concurrency ?? 8;

    await this.publishTargets(repo, tree, prev, limit, finish);

    // Delegated metadata: one manifest per role, keeping the version the published
    // snapshot names, so clients that read the old `latest` still find it.
    const known = new Set(
      [...(prev.latest?.layers ?? []), ...[...prev.roles.values()].flatMap((m) => m.layers)].map(
        (l) => l.digest,
      ),
    );
    if (!prev.latest) await metadata.putBlob(EMPTY_JSON.bytes, { mediaType: MEDIA_TYPE.emptyJson });
    // one upload per blob: two roles may have the same bytes (two imports of one source
    // role), and a registry may refuse a manifest that names a blob still being uploaded twice
    const metadataBlobs = new Shared<boolean>();
    const pushMetadataBlob = async (e: MetadataEntry): Promise<boolean> =>
      known.has(`sha256:${e.sha256}`)
        ? false
        : metadataBlobs.run(e.sha256, () => repo.putMetadataBlob(e.bytes));
    const metadataEntries = tree.entries.filter(isMetadataEntry);
    const delegated = metadataEntries.filter(
      (e) => e.kind === 'metadata' && !TOP_LEVEL.has(e.name),
    );
    await runPool(delegated, limit, async (e) => {
      const was = prev.roles.get(e.name);
      const oldVersion = prev.versions.get(e.name);
      if (
        oldVersion === e.version &&
        findNamed(was?.layers ?? [], e.path)?.digest === `sha256:${e.sha256}`
      )
        return finish(e.path, false);
      const wroteBlob = await pushMetadataBlob(e);
      const layers = [metadataLayer(e)];
      const kept = findNamed(was?.layers ?? [], `${oldVersion}.${e.name}.json`);
      if (kept && oldVersion !== e.version) layers.push(kept);
      const wrote = await repo.putMetadataManifest(
        roleManifest(e.name, layers),
        was?.descriptor.digest,
      );
      finish(e.path, wroteBlob || wrote);
    });

    // Top-level metadata: blobs first, then `latest`, the one switch clients see.
    const top = metadataEntries.filter((e) => e.kind === 'root' || TOP_LEVEL.has(e.name));
    const wrote = new Map<string, boolean>();
    await runPool(top, limit, async (e) => void wrote.set(e.path, await pushMetadataBlob(e)));
    const latest = latestManifest(top.map(metadataLayer));
    const latestWritten = await repo.putMetadataManifest(latest, prev.latest?.descriptor.digest);
    for (const e of top)
      finish(e.path, wrote.get(e.path) === true || (latestWritten && e.path === 'timestamp.json'));

    await this.attachPointers(tree, report);
    return report;
  }

  /**
   * Target files: raw blobs; a tagged manifest for each top-level file; one manifest per
   * directory listing its current files and those the published metadata still names,
   * so a client of either version finds its files.
   */
  private async publishTargets(
    repo: TufOciRepo,
    tree: PublishTree,
    prev: PublishedState,
    limit: number,
    finish: (path: string, wrote: boolean) => void,
  ): Promise<void> {
    const { targets } = this.stores;
    const entries = tree.entries.filter(isTargetEntry);
    if (entries.length === 0) return;
    const present = new Set([...prev.targets.values()].map((t) => t.sha256));
    // A targets repository without tags is new (or holds only the blobs of a failed
    // first run, uploaded again at worst): no need to ask for each blob first.
    const fresh = !prev.latest && (await hasNoTags(targets));
    if (present.size === 0)
      await targets.putBlob(EMPTY_JSON.bytes, { mediaType: MEDIA_TYPE.emptyJson });
    const blobs = new Shared<void>();
    const manifests = new Shared<boolean>();
    const files: TargetFile[] = [];
    const changedDirs = new Set<string>();
    await runPool(entries, limit, async (e) => {
      const file = targetFile(e.path, e.length);
      files.push(file);
      if (prev.targets.get(e.name)?.sha256 === e.sha256) return finish(e.path, false);
      if (file.loc.indexTag !== undefined) changedDirs.add(file.loc.indexTag);
      if (!present.has(e.sha256)) {
        await blobs.run(e.sha256, () =>
          targets
            .putBlobFile(e.file, {
              mediaType: TUF_MEDIA_TYPE.target,
              digest: `sha256:${e.sha256}`,
              assumeAbsent: fresh,
            })
            .then(() => undefined),
        );
      }
      const m = file.manifest;
      if (m) await manifests.run(m.tag!, () => repo.putTargetManifest(m, undefined));
      finish(e.path, true);
    });
    const currentDirs = new Set(files.map((f) => f.loc.indexTag));
    const currentPaths = new Set(files.map((f) => f.loc.relPath));
    const kept = [...prev.targets]
      .map(([path, t]) => publishedTargetFile(path, t.sha256, t.length))
      .filter((f) => f.loc.indexTag !== undefined && currentDirs.has(f.loc.indexTag));
    for (const f of kept) if (!currentPaths.has(f.loc.relPath)) changedDirs.add(f.loc.indexTag!);
    const dirs = directoryManifests([...files, ...kept]);
    await runPool([...changedDirs], limit, async (tag) => {
      const manifest = dirs.get(tag)!;
      const current = await targets.headManifest(tag);
      await repo.putTargetManifest(manifest, current?.digest);
    });
  }

  private async attachPointers(tree: PublishTree, report: OciPublishReport): Promise<void> {
    const options = this.options.pointers;
    for (const { path, target, imported } of tree.registryTargets) {
      const artifact = registryArtifactOf(target.custom);
      const line = (what: string): void => {
        report.pointers.push(`${path}: ${what}`);
        this.options.log?.(`pointer for ${JSON.stringify(path)}: ${what}`);
      };
      if (!artifact) continue;
      if (!options) {
        line('skipped (pointers are attached when publishing to a registry)');
        continue;
      }
      if (imported) {
        // the recorded repository may be the source's registry: never written to from here;
        // the copy at this registry, under the same repository path, gets the pointer
        const subject: Descriptor = artifact.descriptor;
        const repoPath = artifact.source?.slice(artifact.source.indexOf('/') + 1);
        const here = artifact.source ? await options.here?.(artifact.source) : undefined;
        const present = here
          ? await here.headManifest(subject.digest).catch(() => undefined)
          : undefined;
        if (!here || !present) {
          line(
            `skipped (an imported role lists it and no copy of it is at ${options.host ?? 'this registry'}/${repoPath ?? '?'}; verify it with --from naming this repository)`,
          );
          continue;
        }
        try {
          const status = await attachPointer(here, subject, {
            metadata: options.metadata,
            target: path,
          });
          line(`${status} on ${options.host}/${repoPath}@${subject.digest} (the copy here)`);
        } catch (e) {
          line(`failed on ${options.host}/${repoPath}: ${(e as Error).message}`);
        }
        continue;
      }
      const store = artifact.source ? await options.open(artifact.source) : undefined;
      if (!store) {
        line('skipped (no repository recorded for the artifact, or it cannot be opened)');
        continue;
      }
      try {
        const subject: Descriptor = artifact.descriptor;
        const status = await attachPointer(store, subject, {
          metadata: options.metadata,
          target: path,
        });
        line(`${status} on ${artifact.source}@${subject.digest}`);
      } catch (e) {
        line(`failed on ${artifact.source}: ${(e as Error).message}`);
      }
    }
  }
}

async function hasNoTags(store: OciStore): Promise<boolean> {
  try {
    return (await store.listTags()).length === 0;
  } catch (e) {
    if (e instanceof OciError && e.kind === 'not-found') return true;
    throw e;
  }
}
