import type { Blob, Git } from '../git/git.js';
import { parseEnvelope } from '../tuf/envelope.js';
import type { MetadataReader } from '../tuf/repo.js';
import { roleType } from '../tuf/types.js';
import type { Envelope } from '../tuf/types.js';
import { parseInvites } from './invites.js';
import type { Invites } from './invites.js';
import { STATE_FILE } from './invites.js';

/**
 * Metadata as it is at one git revision (the known-good state of an event). A revision
 * never changes, so each role is read and parsed once; the envelopes returned are shared
 * between callers and must not be modified.
 */
export class GitRevReader implements MetadataReader {
  private readonly cache = new Map<string, Promise<Envelope | undefined>>();
  private unchanged?: Promise<Map<string, number>>;
  /** The texts of metadata/*.json at the revision, read in one go on first use. */
  private texts?: Promise<Map<string, string>>;
  /** The blobs of metadata/ at the revision, once listed (see prefetch). */
  private blobs?: Promise<Map<string, Blob> | undefined>;
  /** Texts of the roles prefetch read (file name → text). */
  private readonly some = new Map<string, string>();

  constructor(
    private readonly git: Git,
    readonly rev: string | undefined,
  ) {}

  read(role: string): Promise<Envelope | undefined> {
    let env = this.cache.get(role);
    if (!env) {
      env = this.load(role);
      this.cache.set(role, env);
    }
    return env;
  }

  private where(role: string): string {
    return `metadata/${role}.json at ${this.rev!.slice(0, 10)}`;
  }

  private async load(role: string): Promise<Envelope | undefined> {
    if (!this.rev) return undefined;
    const file = `${role}.json`;
    let text: string | undefined;
    if (this.blobs) {
      // listed already (see prefetch): a role not there is not read at all
      if (!(await this.blobs)?.has(file)) return undefined;
      text = this.some.get(file);
    }
    // else every file of metadata/ in one go: callers read many roles, one by one
    if (text === undefined) {
      this.texts ??= this.git.showDir(this.rev, 'metadata');
      text = (await this.texts).get(file);
    }
    if (text === undefined) return undefined;
    return parseEnvelope(text, this.where(role), roleType(role));
  }

  private listing(): Promise<Map<string, Blob> | undefined> {
    this.blobs ??= this.rev ? this.git.listBlobs(this.rev, 'metadata') : Promise.resolve(undefined);
    return this.blobs;
  }

  /**
   * Reads the texts of `roles` in one git call, so that `read` of them (and of any role,
   * from then on) does not read the whole of metadata/ (thousands of hash bins).
   */
  async prefetch(roles: string[]): Promise<void> {
    const blobs = await this.listing();
    if (!blobs) return;
    const want = roles.map((r) => `${r}.json`).filter((f) => blobs.has(f) && !this.some.has(f));
    const texts = await this.git.blobTexts(
      want.map((f) => blobs.get(f)!),
      `show metadata at ${this.rev!}`,
    );
    want.forEach((f, i) => this.some.set(f, texts[i]!));
  }

  /** The git object id of metadata/<role>.json at the revision (undefined: no such file). */
  async blobId(role: string): Promise<string | undefined> {
    return (await this.listing())?.get(`${role}.json`)?.oid;
  }

  /** As `read`, without keeping the envelope (nor, once read, the text) for later reads. */
  async readOnce(role: string): Promise<Envelope | undefined> {
    const cached = this.cache.get(role);
    if (cached) return cached;
    const env = await this.load(role);
    this.some.delete(`${role}.json`);
    return env;
  }

  /**
   * Paths under targets/ whose files are as they were at this revision (see
   * Git.unchangedSince), with their size there. Asked once per reader: a command does not
   * edit targets/, and `sign` updates the event twice (what it shows, then what it signs).
   */
  unchangedTargets(): Promise<Map<string, number>> {
    this.unchanged ??= this.rev
      ? this.git.unchangedSince(this.rev, 'targets')
      : Promise.resolve(new Map<string, number>());
    return this.unchanged;
  }

  async invites(): Promise<Invites> {
    if (!this.rev) return {};
    return parseInvites(await this.git.show(this.rev, STATE_FILE));
  }
}

/** An empty known-good state: the event creates the repository (bootstrap). */
export const NO_BASE: MetadataReader = { read: async () => undefined };

/**
 * The known-good state of the event checked out in `git`: the merge base of HEAD
 * with the remote's default branch (never a hard-coded "main").
 */
export async function knownGood(
  git: Git,
  remote: string,
  defaultBranch?: string,
): Promise<GitRevReader> {
  const branch = defaultBranch ?? (await git.defaultBranch(remote));
  const ref = `${remote}/${branch}`;
  const rev = (await git.revExists(ref)) ? await git.mergeBase('HEAD', ref) : undefined;
  return new GitRevReader(git, rev);
}
