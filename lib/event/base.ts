import type { Git } from '../git/git.js';
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
  private unchanged?: Promise<Set<string>>;
  /** The texts of metadata/*.json at the revision, read in one go on first use. */
  private texts?: Promise<Map<string, string>>;

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

  private async load(role: string): Promise<Envelope | undefined> {
    if (!this.rev) return undefined;
    this.texts ??= this.git.showDir(this.rev, 'metadata');
    const text = (await this.texts).get(`${role}.json`);
    if (text === undefined) return undefined;
    return parseEnvelope(text, `metadata/${role}.json at ${this.rev.slice(0, 10)}`, roleType(role));
  }

  /**
   * Paths under targets/ whose files are as they were at this revision (see
   * Git.unchangedSince). Asked once per reader: a command does not edit targets/, and
   * `sign` updates the event twice (what it shows, then what it signs).
   */
  unchangedTargets(): Promise<Set<string>> {
    this.unchanged ??= this.rev
      ? this.git.unchangedSince(this.rev, 'targets')
      : Promise.resolve(new Set<string>());
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
