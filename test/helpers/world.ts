import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { generateKey } from '../../lib/signers/keyfile.js';
import type { Ctx } from '../../signer-cli/context.js';
import { run } from '../../signer-cli/program.js';

export const PASS = 'correct horse battery staple';

export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

export interface Clone {
  dir: string;
  user: string;
  keyfile: string;
  pubfile: string;
  /** Runs `tufci` in this clone; returns exit code and output. */
  tufci(...args: string[]): Promise<{ code: number; out: string; err: string }>;
  /** Runs `tufci` with parts of the context replaced (an environment, a clock). */
  tufciWith(
    extra: Partial<Ctx>,
    ...args: string[]
  ): Promise<{ code: number; out: string; err: string }>;
}

/**
 * A real bare git remote with clones for CI and for each signer, each signer with
 * an encrypted key file generated at test time. A fixed clock drives everything.
 */
export class World {
  readonly root: string;
  readonly remote: string;
  /** Fixed for the whole test (clients check expiry against the real clock, so it starts at now). */
  now = new Date(Math.floor(Date.now() / 1000) * 1000);
  readonly onlineKeyPem: string;
  readonly onlinePub: string;
  readonly env: Record<string, string | undefined>;

  constructor() {
    this.root = mkdtempSync(join(tmpdir(), 'tufci-world-'));
    this.remote = join(this.root, 'remote.git');
    execFileSync('git', ['init', '-q', '--bare', '-b', 'main', this.remote]);
    const online = generateKey('ecdsa');
    this.onlineKeyPem = online.privatePem;
    this.onlinePub = join(this.root, 'online.pub');
    writeFileSync(this.onlinePub, online.publicPem);
    const gitconfig = join(this.root, '.gitconfig');
    writeFileSync(
      gitconfig,
      '[user]\n\tname = Test\n\temail = test@example.com\n[init]\n\tdefaultBranch = main\n',
    );
    this.env = {
      PATH: process.env.PATH,
      HOME: this.root,
      GIT_CONFIG_NOSYSTEM: '1',
      TUFCI_KEY_PASSPHRASE: PASS,
      TUFCI_ONLINE_KEY: online.privatePem,
    };
    const ci = join(this.root, 'ci');
    execFileSync('git', ['clone', '-q', this.remote, ci], {
      env: this.env as NodeJS.ProcessEnv,
      stdio: 'ignore',
    });
    mkdirSync(join(ci, 'targets'), { recursive: true });
    writeFileSync(join(ci, 'README.md'), '# test repository\n');
    // as in the template repository: signer settings stay out of git
    writeFileSync(join(ci, '.gitignore'), '.tufci.yaml\n');
    git(ci, '-c', 'user.name=Test', '-c', 'user.email=t@e', 'add', '.');
    git(ci, '-c', 'user.name=Test', '-c', 'user.email=t@e', 'commit', '-qm', 'initial');
    git(ci, 'push', '-q', 'origin', 'main');
  }

  ctxFor(dir: string, sink: { out: string[]; err: string[] }, extra: Partial<Ctx> = {}): Ctx {
    return {
      cwd: dir,
      env: this.env,
      now: () => this.now,
      out: (l) => sink.out.push(l),
      err: (l) => sink.err.push(l),
      ...extra,
    };
  }

  clone(name: string, user = `@${name}`, keyType: 'ecdsa' | 'ed25519' = 'ecdsa'): Clone {
    const dir = join(this.root, name);
    execFileSync('git', ['clone', '-q', this.remote, dir], {
      env: this.env as NodeJS.ProcessEnv,
      stdio: 'ignore',
    });
    const k = generateKey(keyType, PASS);
    const keyfile = join(this.root, `${name}.pem`);
    writeFileSync(keyfile, k.privatePem);
    writeFileSync(`${keyfile}.pub`, k.publicPem);
    writeFileSync(
      join(dir, '.tufci.yaml'),
      `user-name: "${user}"\nsigning-method: keyfile\nkeyfile: ${keyfile}\n`,
    );
    return {
      dir,
      user,
      keyfile,
      pubfile: `${keyfile}.pub`,
      tufci: async (...args: string[]) => {
        const sink = { out: [] as string[], err: [] as string[] };
        const code = await run(args, this.ctxFor(dir, sink));
        return { code, out: sink.out.join('\n'), err: sink.err.join('\n') };
      },
      tufciWith: async (extra: Partial<Ctx>, ...args: string[]) => {
        const sink = { out: [] as string[], err: [] as string[] };
        const code = await run(args, this.ctxFor(dir, sink, extra));
        return { code, out: sink.out.join('\n'), err: sink.err.join('\n') };
      },
    };
  }

  /**
   * Checks out `branch` in clone `c` fresh from the remote (from the default branch
   * when the remote has no such branch yet), dropping local changes.
   */
  sync(c: Clone, branch = 'main'): void {
    git(c.dir, 'fetch', '-q', '--prune', 'origin');
    const remote = this.remoteRef(branch) ? `origin/${branch}` : 'origin/main';
    git(c.dir, 'checkout', '-qf', '-B', branch, remote);
    git(c.dir, 'clean', '-qfd', '-e', '.tufci.yaml');
  }

  /**
   * Writes (string or bytes) or deletes (null) files in clone `c` on `branch`,
   * commits and pushes: what an artifact owner does to open or extend an event.
   */
  pushFiles(c: Clone, branch: string, files: Record<string, string | Uint8Array | null>): void {
    this.sync(c, branch);
    for (const [path, content] of Object.entries(files)) {
      const full = join(c.dir, path);
      if (content === null) rmSync(full, { force: true });
      else {
        mkdirSync(dirname(full), { recursive: true });
        writeFileSync(full, content);
      }
    }
    git(c.dir, 'add', '-A', '--', ...Object.keys(files));
    git(c.dir, 'commit', '-qm', `change on ${branch}`);
    git(c.dir, 'push', '-q', 'origin', `HEAD:refs/heads/${branch}`);
  }

  /** The commit a branch points to on the remote, or undefined. */
  remoteRef(branch: string): string | undefined {
    try {
      return git(this.remote, 'rev-parse', '--verify', '--quiet', `refs/heads/${branch}`).trim();
    } catch {
      return undefined;
    }
  }

  /** Branch names on the remote. */
  remoteBranches(): string[] {
    return git(this.remote, 'for-each-ref', '--format=%(refname:short)', 'refs/heads')
      .split('\n')
      .filter(Boolean);
  }

  /** The CI clone: checks out a branch fresh from the remote. */
  ci(branch?: string): Clone {
    const c = this.clone('ci-' + Math.random().toString(36).slice(2, 8), '@ci');
    if (branch) git(c.dir, 'checkout', '-q', '-B', branch, `origin/${branch}`);
    return c;
  }

  /** `tufci init` arguments for root and targets signed by `signers` at `threshold`; those without known keys are invited. */
  initArgs(signers: Clone[], threshold: number): string[] {
    const users = signers.map((s) => s.user).join(',');
    const t = String(threshold);
    return [
      'init',
      '--root-signers',
      users,
      '--root-threshold',
      t,
      '--targets-signers',
      users,
      '--targets-threshold',
      t,
      '--online-key',
      this.onlinePub,
    ];
  }

  /**
   * Bootstraps a repository whose root and targets are signed by `signers` at
   * `threshold` (public keys given up front, so nobody is invited), merges
   * `sign/init` and signs snapshot and timestamp online on main.
   */
  async bootstrap(signers: Clone[], threshold: number, extra: string[] = []): Promise<void> {
    const [first, ...others] = signers;
    if (!first) throw new Error('bootstrap needs a signer');
    const check = (what: string, r: { code: number; out: string; err: string }): void => {
      if (r.code !== 0) throw new Error(`${what} failed (${r.code}): ${r.err}\n${r.out}`);
    };
    const keys = others.flatMap((s) => ['--key', `${s.user}=${s.pubfile}`]);
    check('init', await first.tufci(...this.initArgs(signers, threshold), ...keys, ...extra));
    for (const s of others.slice(0, threshold - 1))
      check(`sign by ${s.user}`, await s.tufci('sign', 'sign/init', '--yes'));
    this.merge('sign/init');
    check('online-sign', await this.ci().tufci('online-sign', '--push'));
  }

  /** Merges an event branch into main on the remote (what a maintainer does on GitHub). */
  merge(branch: string): void {
    const dir = join(this.root, 'merger');
    rmSync(dir, { recursive: true, force: true });
    execFileSync('git', ['clone', '-q', this.remote, dir], {
      env: this.env as NodeJS.ProcessEnv,
      stdio: 'ignore',
    });
    execFileSync('git', ['merge', '-q', '--no-ff', '-m', `Merge ${branch}`, `origin/${branch}`], {
      cwd: dir,
      env: this.env as NodeJS.ProcessEnv,
    });
    execFileSync('git', ['push', '-q', 'origin', 'main'], {
      cwd: dir,
      env: this.env as NodeJS.ProcessEnv,
    });
  }

  cleanup(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}
