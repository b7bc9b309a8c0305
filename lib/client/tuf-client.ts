/**
 * The one TUF client every `verify` runs (static trees, OCI, the conformance client):
 * tuf-js refreshes the top-level metadata in a trusted metadata directory, tufci's own
 * lookup walks delegations (see delegations.ts), and tuf-js downloads and checks
 * targets, reusing a file already downloaded with matching hashes. Every failure is a
 * tufci error naming the file or role: NotVerifiedError for what the repository served,
 * NetworkError when it could not be reached.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  type Key,
  Metadata,
  MetadataKind,
  type Root,
  type Snapshot,
  TargetFile,
  type Targets,
  type Timestamp,
} from '@tufjs/models';
import { Updater, type Fetcher } from 'tuf-js';
import { RuntimeError } from 'tuf-js/dist/error.js';
import { TrustedMetadataStore } from 'tuf-js/dist/store.js';
import { NetworkError, NotVerifiedError, TufciError } from '../errors.js';
import { networkCode } from '../util/network.js';
import { tufHint } from './explain.js';
import { removeInside, writeInside } from '../util/fs.js';
import {
  DelegationLookup,
  distinctKeys,
  distinctSigners,
  type FoundTarget,
  type TargetChain,
} from './delegations.js';
import type { KeyJson } from '../tuf/types.js';

/** The role that signs a target, as `targetOrigin` returns it. */
export interface TargetOrigin {
  info: TargetFile;
  role: string;
  /** The role's metadata byte for byte, as it was verified. */
  bytes: Uint8Array;
  /** The keys its delegator trusts for it (JSON as in metadata), their keyids and threshold. */
  keys: Record<string, KeyJson>;
  keyids: string[];
  threshold: number;
  version: number;
  expires: string;
}
import { fileOfUrl } from './fetchers.js';
import { checkServedMetadata } from './served.js';

export interface TufClientOptions {
  /** Trusted metadata directory; must hold a root.json (see trust-dir.ts). */
  metadataDir: string;
  metadataBaseUrl: string;
  targetBaseUrl?: string;
  fetcher: Fetcher;
  /** Reference time for the expiry of delegated roles (tuf-js reads its own clock). */
  now: Date;
}

/**
 * Records the last URL asked for, so a failure can name the file being checked, and the
 * error the fetcher threw for it (tuf-js folds some into a plain RuntimeError).
 */
class RecordingFetcher implements Fetcher {
  last?: string;
  lastError?: unknown;
  /** The bytes of the last metadata file downloaded. */
  lastBytes?: Buffer;

  constructor(private readonly inner: Fetcher) {}

  reset(): void {
    this.last = undefined;
    this.lastError = undefined;
    this.lastBytes = undefined;
  }

  downloadFile<T>(url: string, maxLength: number, handler: (file: string) => Promise<T>) {
    return this.track(url, () => this.inner.downloadFile(url, maxLength, handler));
  }

  /** Metadata: each file is checked for a key listed twice before tuf-js reads it. */
  downloadBytes(url: string, maxLength: number): Promise<Buffer> {
    return this.track(url, async () => {
      const bytes = await this.inner.downloadBytes(url, maxLength);
      this.lastBytes = bytes;
      checkServedMetadata(fileOfUrl(url), bytes);
      return bytes;
    });
  }

  private async track<T>(url: string, work: () => Promise<T>): Promise<T> {
    this.last = url;
    this.lastError = undefined;
    try {
      return await work();
    } catch (e) {
      this.lastError = e;
      throw e;
    }
  }
}

const withSlash = (u: string): string => (u.endsWith('/') ? u : `${u}/`);

export class TufClient {
  private readonly fetcher: RecordingFetcher;
  private readonly updater: Updater;
  private lookup?: DelegationLookup;

  constructor(private readonly o: TufClientOptions) {
    this.fetcher = new RecordingFetcher(o.fetcher);
    try {
      this.updater = new Updater({
        metadataDir: o.metadataDir,
        metadataBaseUrl: withSlash(o.metadataBaseUrl),
        targetBaseUrl: o.targetBaseUrl ? withSlash(o.targetBaseUrl) : undefined,
        fetcher: this.fetcher,
      });
    } catch (e) {
      throw notVerified('root.json (trusted)', e);
    }
  }

  /** TUF client workflow 5.3–5.6 for the top-level roles. */
  async refresh(): Promise<void> {
    this.fetcher.reset();
    const before = this.topLevelBytes();
    try {
      await this.updater.refresh();
      this.checkDistinctKeys();
    } catch (e) {
      if (e instanceof NotVerifiedError) {
        this.restore(before);
        throw e;
      }
      if (e instanceof RuntimeError && !this.fetcher.lastError && this.snapshotLacksTargets())
        throw new NotVerifiedError('snapshot.json: does not list targets.json', { cause: e });
      const refused = this.wrappedRefusal(
        e,
        this.fetcher.last ? fileOfUrl(this.fetcher.last) : 'metadata',
      );
      throw this.failure(refused.e, refused.file);
    }
    const snapshot = this.readTrusted('snapshot');
    const targets = this.readTrusted('targets');
    this.lookup = new DelegationLookup({
      metadataDir: this.o.metadataDir,
      metadataBaseUrl: withSlash(this.o.metadataBaseUrl),
      fetcher: this.fetcher,
      snapshot,
      targets,
      consistentSnapshot: this.readTrusted('root').signed.consistentSnapshot === true,
      now: this.o.now,
    });
  }

  /** Version of a top-level role in the trusted directory. */
  version(role: TopLevel): number {
    return this.readTrusted(role).signed.version;
  }

  /** Expiry of each top-level role the client trusts. */
  expires(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const role of ['root', 'timestamp', 'snapshot', 'targets'] as const)
      out[role] = this.readTrusted(role).signed.expires;
    return out;
  }

  /** The signed info of a target, found through delegations; undefined when none signs it. */
  async getTargetInfo(targetPath: string): Promise<TargetFile | undefined> {
    if (!this.lookup) await this.refresh();
    this.fetcher.reset();
    try {
      return await this.lookup!.find(targetPath);
    } catch (e) {
      const file = this.fetcher.last ? fileOfUrl(this.fetcher.last) : 'delegated metadata';
      throw this.failure(e, `target ${JSON.stringify(targetPath)}: ${file}`);
    }
  }

  /**
   * The role that signs a target as the standard lookup decides, for an import
   * (`tufci copy --signatures original`): its name, its metadata byte for byte as verified,
   * and the rule its delegator (root for targets) trusts it under. Undefined when no role
   * lists the target.
   */
  async targetOrigin(targetPath: string): Promise<TargetOrigin | undefined> {
    if (!this.lookup) await this.refresh();
    this.fetcher.reset();
    let found: FoundTarget | undefined;
    try {
      found = await this.lookup!.findWhere(targetPath);
    } catch (e) {
      const file = this.fetcher.last ? fileOfUrl(this.fetcher.last) : 'delegated metadata';
      throw this.failure(e, `target ${JSON.stringify(targetPath)}: ${file}`);
    }
    if (!found) return undefined;
    let keys: Record<string, Key>;
    let rule: { keyIDs: string[]; threshold: number } | undefined;
    let bytes: Uint8Array | undefined;
    let md: Metadata<Targets>;
    if (!found.delegator) {
      const root = this.readTrusted('root');
      keys = root.signed.keys;
      rule = root.signed.roles.targets;
      bytes = readFileSync(join(this.o.metadataDir, 'targets.json'));
      md = this.readTrusted('targets');
    } else {
      const d = found.delegator.md.signed.delegations!;
      keys = d.keys;
      rule =
        d.roles?.[found.role] ??
        (d.succinctRoles?.isDelegatedRole(found.role) ? d.succinctRoles : undefined);
      bytes = found.bytes;
      md = this.lookup!.loadedRole(found.role)!;
    }
    if (!rule || !bytes)
      throw new NotVerifiedError(`${found.role}.json: no verified copy of the role to import`);
    const keyids = [...rule.keyIDs];
    const json: Record<string, KeyJson> = {};
    for (const id of keyids) if (keys[id]) json[id] = keys[id].toJSON() as unknown as KeyJson;
    return {
      info: found.info,
      role: found.role,
      bytes,
      keys: json,
      keyids,
      threshold: rule.threshold,
      version: md.signed.version,
      expires: md.signed.expires,
    };
  }

  /**
   * Every trusted chain of delegations that lists the target (or fails to verify on the
   * way to it), beside the one `getTargetInfo` decides on: see lib/client/chains.ts.
   */
  async targetChains(targetPath: string): Promise<TargetChain[]> {
    if (!this.lookup) await this.refresh();
    const root = this.readTrusted('root');
    const targets = this.readTrusted('targets');
    const keyIDs = root.signed.roles.targets?.keyIDs ?? [];
    this.fetcher.reset();
    return this.lookup!.chains(targetPath, {
      role: 'targets',
      keyIDs,
      keys: distinctKeys(root.signed.keys, keyIDs),
      threshold: root.signed.roles.targets?.threshold ?? 1,
      signers: distinctSigners(targets, root.signed.keys, keyIDs),
    });
  }

  /**
   * Downloads a target to `file` and checks its length and hashes; a file already there
   * with the signed length and hashes is kept and nothing is downloaded.
   */
  async downloadTarget(info: TargetFile, file: string): Promise<{ cached: boolean }> {
    if (await this.updater.findCachedTarget(info, file)) return { cached: true };
    try {
      await this.updater.downloadTarget(withUrlPath(info), file);
    } catch (e) {
      throw this.failure(e, `target ${JSON.stringify(info.path)}`);
    }
    return { cached: false };
  }

  private topLevelBytes(): Map<string, Buffer | undefined> {
    const files = new Map<string, Buffer | undefined>();
    for (const role of TOP_LEVEL) {
      const file = join(this.o.metadataDir, `${role}.json`);
      files.set(`${role}.json`, existsSync(file) ? readFileSync(file) : undefined);
    }
    return files;
  }

  /** Puts the trusted top-level files back as they were before a refresh tufci refused. */
  private restore(files: Map<string, Buffer | undefined>): void {
    const dir = this.o.metadataDir;
    for (const [file, bytes] of files) {
      if (bytes) writeInside(dir, file, bytes, { what: 'trusted metadata directory' });
      else removeInside(dir, file, 'trusted metadata directory');
    }
  }

  /** tuf-js counts keyids; tufci counts distinct keys for every top-level role. */
  private checkDistinctKeys(): void {
    const root = this.readTrusted('root');
    for (const role of TOP_LEVEL) {
      const rule = root.signed.roles[role];
      if (!rule) throw new NotVerifiedError(`root.json: no rule for ${role}`);
      const md = this.readTrusted(role);
      const signers = distinctSigners(md, root.signed.keys, rule.keyIDs);
      if (signers < rule.threshold)
        throw new NotVerifiedError(
          `${role}.json: signed by ${signers} distinct key(s) of those root trusts for it, ${rule.threshold} required`,
        );
    }
  }

  /**
   * tuf-js folds a refused snapshot.json or targets.json into a RuntimeError holding only
   * text. The refusal, by class (signatures, hashes, version, expiry), is found by checking
   * the bytes it was served again against the trusted root, timestamp (and snapshot); a
   * trusted timestamp that expired (a freeze) is named as timestamp.json.
   */
  private wrappedRefusal(e: unknown, file: string): { e: unknown; file: string } {
    const bytes = this.fetcher.lastBytes;
    if (!(e instanceof RuntimeError) || this.fetcher.lastError || !bytes) return { e, file };
    const role = /(?:^|\.)(snapshot|targets)\.json$/.exec(file)?.[1];
    if (!role) return { e, file };
    const trusted = (r: string): Buffer => readFileSync(join(this.o.metadataDir, `${r}.json`));
    let store: TrustedMetadataStore;
    try {
      store = new TrustedMetadataStore(trusted('root'));
      // throws when the trusted timestamp has expired (a freeze): that file is the one named
      store.updateTimestamp(trusted('timestamp'));
    } catch (refusal) {
      return { e: refusal, file: 'timestamp.json' };
    }
    try {
      if (role === 'snapshot') store.updateSnapshot(bytes);
      else {
        store.updateSnapshot(trusted('snapshot'), true);
        store.updateDelegatedTargets(bytes, 'targets', 'root');
      }
    } catch (refusal) {
      return { e: refusal, file };
    }
    return { e, file };
  }

  /** tuf-js reads snapshot's meta for targets.json without checking it is there. */
  private snapshotLacksTargets(): boolean {
    try {
      return !this.readTrusted('snapshot').signed.meta['targets.json'];
    } catch {
      return false;
    }
  }

  private failure(thrown: unknown, what: string): TufciError {
    // The fetcher's own error, when tuf-js wrapped it (a 404 for a newer root is not one).
    const e = thrown instanceof RuntimeError ? (this.fetcher.lastError ?? thrown) : thrown;
    const net = networkCode(e);
    if (net && !(e instanceof TufciError))
      return new NetworkError(`${what}: cannot reach the repository (${net})`, { cause: e });
    if (e instanceof TufciError && e.code !== 'not-verified') {
      e.message = `${what}: ${e.message}`;
      return e;
    }
    return notVerified(what, e);
  }

  private readTrusted(role: 'root'): Metadata<Root>;
  private readTrusted(role: 'snapshot'): Metadata<Snapshot>;
  private readTrusted(role: 'targets'): Metadata<Targets>;
  private readTrusted(role: TopLevel): Metadata<Root | Snapshot | Targets | Timestamp>;
  private readTrusted(role: TopLevel): Metadata<Root | Snapshot | Targets | Timestamp> {
    const file = join(this.o.metadataDir, `${role}.json`);
    if (!existsSync(file))
      throw new NotVerifiedError(`${role}.json: the client has no trusted copy`);
    try {
      const json = JSON.parse(readFileSync(file, 'utf8')) as never;
      switch (role) {
        case 'root':
          return Metadata.fromJSON(MetadataKind.Root, json);
        case 'timestamp':
          return Metadata.fromJSON(MetadataKind.Timestamp, json);
        case 'snapshot':
          return Metadata.fromJSON(MetadataKind.Snapshot, json);
        default:
          return Metadata.fromJSON(MetadataKind.Targets, json);
      }
    } catch (e) {
      throw notVerified(`${role}.json (trusted copy)`, e);
    }
  }
}

/**
 * The target as tuf-js should ask for it: its path percent-encoded segment by segment.
 * tuf-js joins the raw path to the base URL, and a URL parser drops tabs and newlines and
 * reads `%`, `?` and `#` as syntax, so such a name would be fetched as another file.
 * Length and hashes are kept: they are what the download is checked against.
 */
export function targetUrlPath(path: string): string {
  return path.split('/').map(encodeURIComponent).join('/');
}

function withUrlPath(info: TargetFile): TargetFile {
  const encoded = targetUrlPath(info.path);
  if (encoded === info.path) return info;
  return new TargetFile({
    path: encoded,
    length: info.length,
    hashes: info.hashes,
    unrecognizedFields: info.unrecognizedFields,
  });
}

type TopLevel = 'root' | 'timestamp' | 'snapshot' | 'targets';
const TOP_LEVEL: readonly TopLevel[] = ['root', 'timestamp', 'snapshot', 'targets'];

/** Plain words for the errors of tuf-js and @tufjs/models, by class (both name them alike). */
const HINTS: Record<string, string> = {
  ExpiredMetadataError: 'metadata has expired',
  BadVersionError: 'a version went backwards (rollback to older metadata)',
  EqualVersionError: 'a version went backwards (rollback to older metadata)',
  UnsignedMetadataError: 'signatures do not meet the threshold of the trusted keys',
  LengthOrHashMismatchError: 'downloaded bytes do not match the signed length or hash',
  DownloadLengthMismatchError: 'larger than the signed or allowed length',
  DownloadHTTPError: 'not published (the repository answered with an error)',
  RepositoryError: 'the repository is inconsistent',
  TypeError: 'malformed metadata',
  SyntaxError: 'malformed metadata',
  ValueError: 'malformed metadata',
};

/** A NotVerifiedError naming `what`, with the reason in plain words. */
function notVerified(what: string, e: unknown): NotVerifiedError {
  if (e instanceof NotVerifiedError) {
    return e.message.startsWith(what)
      ? e
      : new NotVerifiedError(`${what}: ${e.message}`, { cause: e });
  }
  const err = e instanceof Error ? e : new Error(String(e));
  const kind = err.constructor?.name ?? 'Error';
  const hint = tufHint(err) ?? HINTS[kind] ?? (kind === 'Error' ? undefined : kind);
  return new NotVerifiedError(`${what}: ${hint ? `${hint}: ` : ''}${err.message}`, { cause: e });
}
