import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { simpleGit } from 'simple-git';
import type { SimpleGit } from 'simple-git';
import { GitError } from '../errors.js';

/** A blob in a git tree: its object id and size in bytes. */
export interface Blob {
  oid: string;
  size: number;
}

/** The git operations the project needs, behind one small interface (prompts always off). */
export class Git {
  private readonly git: SimpleGit;

  constructor(
    readonly dir: string,
    env: Record<string, string | undefined> = {},
  ) {
    const clean: Record<string, string> = {};
    for (const [k, v] of Object.entries(env)) if (v !== undefined) clean[k] = v;
    // The environment is the caller's own (a signer's shell, a CI runner), not
    // untrusted input, so git settings it carries (GIT_CONFIG_GLOBAL, GIT_SSH_COMMAND,
    // GIT_ASKPASS, GIT_CONFIG_COUNT, ...) are honoured; arguments are never user text
    // other than validated branch names and paths after `--`.
    const unsafe = {
      allowUnsafeConfigPaths: true,
      allowUnsafeConfigEnvCount: true,
      allowUnsafeSshCommand: true,
      allowUnsafeAskPass: true,
      allowUnsafeEditor: true,
      allowUnsafePager: true,
      allowUnsafeGitProxy: true,
      allowUnsafeCredentialHelper: true,
    };
    this.git = simpleGit({ baseDir: dir, unsafe } as Parameters<typeof simpleGit>[0]).env({
      ...clean,
      GIT_TERMINAL_PROMPT: '0',
    });
  }

  private async run(args: string[], what: string): Promise<string> {
    try {
      return await this.git.raw(args);
    } catch (e) {
      const msg = (e as Error).message.trim().split('\n').slice(0, 4).join('\n');
      throw new GitError(`git ${what} failed in ${this.dir}: ${msg}`);
    }
  }

  async currentBranch(): Promise<string> {
    return (await this.run(['rev-parse', '--abbrev-ref', 'HEAD'], 'rev-parse')).trim();
  }

  async head(): Promise<string> {
    return (await this.run(['rev-parse', 'HEAD'], 'rev-parse')).trim();
  }

  async fetch(remote: string): Promise<void> {
    await this.run(['fetch', '--prune', remote], `fetch ${remote}`);
  }

  /** Switches to `branch`, reset to `startPoint`. */
  async checkout(branch: string, startPoint?: string): Promise<void> {
    await this.run(
      ['checkout', '-q', '-B', branch, ...(startPoint ? [startPoint] : [])],
      `checkout ${branch}`,
    );
  }

  async revExists(rev: string): Promise<boolean> {
    try {
      // simple-git resolves on a silent non-zero exit, so judge by the output
      const out = await this.git.raw(['rev-parse', '--verify', '--quiet', `${rev}^{commit}`]);
      return /^[0-9a-f]{40}/.test(out.trim());
    } catch {
      return false;
    }
  }

  async mergeBase(a: string, b: string): Promise<string | undefined> {
    try {
      return (await this.git.raw(['merge-base', a, b])).trim() || undefined;
    } catch {
      return undefined;
    }
  }

  /** A file's content at a revision, or undefined when it does not exist there. */
  async show(rev: string, path: string): Promise<string | undefined> {
    try {
      return await this.git.raw(['show', `${rev}:${path}`]);
    } catch {
      return undefined;
    }
  }

  /**
   * Every file directly in `dir` at a revision, by name, read in a few git calls whatever
   * their number (a repository of hash bins has thousands of metadata files).
   */
  async showDir(rev: string, dir: string): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    const blobs = await this.listBlobs(rev, dir);
    if (!blobs) return out;
    const names = [...blobs.keys()];
    const texts = await this.blobTexts([...blobs.values()], `show ${dir} at ${rev}`);
    names.forEach((n, i) => out.set(n, texts[i]!));
    return out;
  }

  /**
   * The blobs directly in `dir` at a revision, by name: object id and size. Undefined
   * when the revision has no such directory (or no such revision).
   */
  async listBlobs(rev: string, dir: string): Promise<Map<string, Blob> | undefined> {
    let listing: string;
    try {
      listing = await this.git.raw(['ls-tree', '-l', '-z', rev, '--', `${dir}/`]);
    } catch {
      return undefined;
    }
    const out = new Map<string, Blob>();
    for (const l of listing.split('\0')) {
      const m = /^\d+ blob ([0-9a-f]+)\s+(\d+)\t(.*)$/s.exec(l);
      if (m) out.set(m[3]!.slice(dir.length + 1), { oid: m[1]!, size: Number(m[2]) });
    }
    return out;
  }

  /** The texts of blobs (UTF-8), in order, a few hundred per git call. */
  async blobTexts(blobs: Blob[], what: string): Promise<string[]> {
    const out: string[] = [];
    for (let i = 0; i < blobs.length; i += 500) {
      const chunk = blobs.slice(i, i + 500);
      // blobs come back concatenated; their sizes (from ls-tree) split them
      const all = Buffer.from(await this.run(['show', ...chunk.map((b) => b.oid)], what));
      let at = 0;
      for (const b of chunk) {
        out.push(all.subarray(at, at + b.size).toString('utf8'));
        at += b.size;
      }
    }
    return out;
  }

  /** Files (paths relative to the repo) below `dir` at a revision. */
  async listFiles(rev: string, dir: string): Promise<string[]> {
    try {
      const out = await this.git.raw(['ls-tree', '-r', '--name-only', rev, '--', dir]);
      return out.split('\n').filter(Boolean);
    } catch {
      return [];
    }
  }

  /**
   * Files below `dir` (paths relative to it) whose content in the work tree is the content
   * they have at `rev`: tracked there and not changed, staged or deleted since, each with
   * its size at `rev` (the blob's). Names come NUL-separated, so no quoting can mangle them.
   */
  async unchangedSince(rev: string, dir: string): Promise<Map<string, number>> {
    // type, size and path only (git 2.36+): a third of `-l`'s bytes for 100k files
    const short = ['ls-tree', '-r', '-z', '--format=%(objecttype) %(objectsize) %(path)'];
    const listing = await this.run([...short, rev, '--', dir], 'ls-tree')
      .then((text) => ({ text, short: true }))
      .catch(async () => ({
        text: await this.run(['ls-tree', '-r', '-z', '-l', rev, '--', dir], 'ls-tree'),
        short: false,
      }));
    const changed = new Set(
      (
        await this.run(
          ['diff', '--relative', '--no-renames', '--name-only', '-z', rev, '--', dir],
          'diff',
        )
      )
        .split('\0')
        .filter(Boolean),
    );
    const prefix = `${dir.replace(/\/+$/, '')}/`;
    const out = new Map<string, number>();
    // `blob <size> <path>` (or -l's `<mode> blob <oid> <padded size>\t<path>`), each
    // ended by NUL: one pass, no split
    const { text } = listing;
    for (let at = 0; at < text.length;) {
      let end = text.indexOf('\0', at);
      if (end < 0) end = text.length;
      let sizeAt = -1;
      let pathAt = -1;
      if (listing.short) {
        if (text.startsWith('blob ', at)) {
          sizeAt = at + 5;
          pathAt = text.indexOf(' ', sizeAt) + 1;
        }
      } else {
        const tab = text.indexOf('\t', at);
        if (tab > at && tab < end && text.startsWith(' blob ', text.indexOf(' ', at))) {
          sizeAt = text.lastIndexOf(' ', tab) + 1;
          pathAt = tab + 1;
        }
      }
      if (sizeAt > 0 && pathAt > sizeAt && pathAt <= end) {
        const path = text.slice(pathAt, end);
        if (!changed.has(path) && path.startsWith(prefix))
          out.set(path.slice(prefix.length), Number(text.slice(sizeAt, pathAt - 1)));
      }
      at = end + 1;
    }
    return out;
  }

  /** Stages `paths` (additions and removals) and commits; false when there was nothing to commit. */
  async commit(message: string, paths: string[]): Promise<boolean> {
    const known: string[] = [];
    for (const p of paths) {
      const tracked = (await this.git.raw(['ls-files', '--', p])).trim() !== '';
      if (tracked || existsSync(join(this.dir, p))) known.push(p);
    }
    if (!known.length) return false;
    await this.run(['add', '-A', '--', ...known], 'add');
    const staged = (await this.run(['diff', '--cached', '--name-only'], 'diff')).trim();
    if (!staged) return false;
    await this.run(['commit', '-q', '-m', message], 'commit');
    return true;
  }

  /**
   * Starts merging `rev` into HEAD without committing. Conflicts do not throw: the paths
   * left unmerged are returned (empty: the merge applied cleanly).
   */
  async mergeNoCommit(rev: string): Promise<string[]> {
    let failure = '';
    try {
      await this.git.raw(['merge', '--no-commit', '--no-ff', '-q', rev]);
    } catch (e) {
      // a conflict exits non-zero; what is unmerged tells the rest
      failure = (e as Error).message.trim().split('\n').slice(0, 4).join('\n');
    }
    if (!(await this.merging()))
      throw new GitError(`git merge ${rev} failed in ${this.dir}${failure ? `: ${failure}` : ''}`);
    const out = await this.run(['diff', '--name-only', '--diff-filter=U'], 'diff');
    return out.split('\n').filter(Boolean);
  }

  /** Whether a merge is in progress. */
  async merging(): Promise<boolean> {
    return this.revExists('MERGE_HEAD');
  }

  async abortMerge(): Promise<void> {
    await this.run(['merge', '--abort'], 'merge --abort');
  }

  /** Puts the files of `paths` as they are at `rev` into the work tree and the index. */
  async checkoutPaths(rev: string, paths: string[]): Promise<void> {
    if (paths.length) await this.run(['checkout', rev, '--', ...paths], 'checkout');
  }

  /** Stages every change under `paths` and commits the merge in progress. */
  async commitMerge(message: string, paths: string[]): Promise<void> {
    await this.run(['add', '-A', '--', ...paths], 'add');
    await this.run(['commit', '-q', '--no-edit', '-m', message], 'commit');
  }

  async push(remote: string, branch: string, opts: { delete?: boolean } = {}): Promise<void> {
    const ref = opts.delete ? `:refs/heads/${branch}` : `HEAD:refs/heads/${branch}`;
    await this.run(['push', '-q', remote, ref], `push to ${remote}`);
  }

  async remoteBranches(remote: string): Promise<string[]> {
    const out = await this.run(['ls-remote', '--heads', remote], `ls-remote ${remote}`);
    return out
      .split('\n')
      .map((l) => l.split('\t')[1]?.replace(/^refs\/heads\//, ''))
      .filter((b): b is string => !!b);
  }

  /** The remote's default branch: its HEAD symref, else "main". */
  async defaultBranch(remote: string): Promise<string> {
    try {
      const out = await this.git.raw(['ls-remote', '--symref', remote, 'HEAD']);
      const m = /^ref: refs\/heads\/(\S+)\s+HEAD/m.exec(out);
      if (m?.[1]) return m[1];
    } catch {
      // fall through
    }
    return 'main';
  }

  async remoteUrl(remote: string): Promise<string | undefined> {
    try {
      return (await this.git.raw(['remote', 'get-url', remote])).trim();
    } catch {
      return undefined;
    }
  }

  /** `git status --porcelain` lines for `paths` (untracked files included). */
  async changes(paths: string[]): Promise<string[]> {
    const out = await this.run(
      ['status', '--porcelain', '--untracked-files=all', '--', ...paths],
      'status',
    );
    return out.split('\n').filter(Boolean);
  }

  /** Commits on local `branch` that no ref of `remote` has (0 when the branch does not exist). */
  async unpushedCommits(branch: string, remote: string): Promise<number> {
    if (!(await this.revExists(`refs/heads/${branch}`))) return 0;
    const out = await this.run(
      ['rev-list', '--count', `refs/heads/${branch}`, '--not', `--remotes=${remote}`],
      'rev-list',
    );
    return Number(out.trim()) || 0;
  }

  async isClean(paths: string[]): Promise<boolean> {
    const out = await this.run(['status', '--porcelain', '--', ...paths], 'status');
    return out.trim() === '';
  }

  /** Branches under `prefix` (e.g. "sign/") that `remote` had at the last fetch, without the remote's name. */
  async trackingBranches(remote: string, prefix: string): Promise<string[]> {
    const out = await this.run(
      ['for-each-ref', '--format=%(refname)', `refs/remotes/${remote}/${prefix}`],
      'for-each-ref',
    );
    const strip = `refs/remotes/${remote}/`;
    return out
      .split('\n')
      .filter((l) => l.startsWith(strip))
      .map((l) => l.slice(strip.length));
  }

  /** The default branch as the last fetch saw it (refs/remotes/<remote>/HEAD), if known. */
  async fetchedDefaultBranch(remote: string): Promise<string | undefined> {
    try {
      const out = (
        await this.git.raw(['symbolic-ref', '-q', `refs/remotes/${remote}/HEAD`])
      ).trim();
      const prefix = `refs/remotes/${remote}/`;
      return out.startsWith(prefix) ? out.slice(prefix.length) : undefined;
    } catch {
      return undefined;
    }
  }

  /** The path of a file inside the git directory (worktrees included), e.g. info/exclude. */
  async gitPath(path: string): Promise<string> {
    const out = (await this.run(['rev-parse', '--git-path', path], 'rev-parse')).trim();
    return out.startsWith('/') ? out : join(this.dir, out);
  }

  /** Whether commit `a` is an ancestor of (or the same as) `b`. */
  async isAncestor(a: string, b: string): Promise<boolean> {
    // simple-git resolves on a silent non-zero exit, so compare commits instead of exit codes
    const base = await this.mergeBase(a, b);
    if (!base) return false;
    const out = await this.git.raw(['rev-parse', '--verify', '--quiet', `${a}^{commit}`]);
    return out.trim() === base;
  }
}
