/**
 * Shared parts of the OCI publish tests: a signed repository on a real git remote
 * (World), the CLI, external tools, and request counting.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { buildTree, type PublishTree } from '../../lib/publish/tree.js';
import { RepoDir } from '../../lib/tuf/repo.js';
import type { Ctx } from '../../signer-cli/context.js';
import { World, type Clone } from '../helpers/world.js';

export const ORAS = '/opt/oras/usr/bin/oras';
export const SKOPEO = '/usr/bin/skopeo';

export interface Result {
  code: number;
  out: string;
  err: string;
}

export function ok(what: string, r: Result): Result {
  if (r.code !== 0) throw new Error(`${what} failed (${r.code}): ${r.err}\n${r.out}`);
  return r;
}

/** Runs a tool; resolves with stdout, or rejects with its stderr. */
export async function tool(
  cmd: string,
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<string> {
  try {
    const { stdout } = await promisify(execFile)(cmd, args, {
      env: { PATH: process.env.PATH, ...env },
      maxBuffer: 64 << 20,
    });
    return stdout;
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new Error(`${cmd} ${args.join(' ')} failed: ${err.stderr || err.message}`);
  }
}

/** A signed repository: @alice signs root and targets (1 of 1); CI signs online. */
export class Fixture {
  readonly w = new World();
  readonly alice: Clone;
  readonly ci: Clone;
  private events = 0;

  constructor() {
    this.alice = this.w.clone('alice');
    this.ci = this.w.ci();
  }

  async bootstrap(role?: string): Promise<this> {
    // top-level targets in subdirectories (docs/): the OCI layout's directory manifests
    await this.w.bootstrap([this.alice], 1, ['--top-level-dirs']);
    if (role) {
      ok(
        'delegate',
        await this.alice.tufci(
          'delegate',
          'sign/role',
          role,
          '--signers',
          '@alice',
          '--threshold',
          '1',
          '--key',
          `@alice=${this.alice.pubfile}`,
        ),
      );
      this.merge('sign/role');
      await this.signOnline();
    }
    return this;
  }

  /** Adds, changes (content) or removes (null) files under targets/ in one signed event. */
  async event(files: Record<string, string | Uint8Array | null>): Promise<void> {
    const name = `sign/files-${++this.events}`;
    this.w.pushFiles(
      this.alice,
      name,
      Object.fromEntries(Object.entries(files).map(([p, c]) => [`targets/${p}`, c])),
    );
    await this.signEvent(name);
  }

  /** CI updates the event, @alice signs, it is merged and signed online. */
  async signEvent(name: string): Promise<void> {
    this.w.sync(this.ci, name);
    ok('event update', await this.ci.tufci('event', 'update', '--push'));
    ok('sign', await this.alice.tufci('sign', name, '--yes'));
    this.merge(name);
    await this.signOnline();
  }

  merge(branch: string): void {
    this.w.merge(branch);
  }

  async signOnline(): Promise<void> {
    this.w.sync(this.ci, 'main');
    ok('online-sign', await this.ci.tufci('online-sign', '--push'));
    this.w.sync(this.ci, 'main');
  }

  /** `tufci` in the CI clone (on main). */
  tufci(...args: string[]): Promise<Result> {
    return this.ci.tufci(...args);
  }

  tufciWith(extra: Partial<Ctx>, ...args: string[]): Promise<Result> {
    return this.ci.tufciWith(extra, ...args);
  }

  /** The publish tree of the CI clone's main. */
  tree(): PublishTree {
    return buildTree(new RepoDir(this.ci.dir), this.w.now);
  }

  get root1(): string {
    return `${this.ci.dir}/metadata/root_history/1.root.json`;
  }

  cleanup(): void {
    this.w.cleanup();
  }
}

/** Requests recorded by an `onRequest` hook. */
export class Requests {
  readonly log: { method: string; url: string; status: number }[] = [];
  readonly onRequest = (method: string, url: string, status: number): void =>
    void this.log.push({ method, url, status });

  /** Writes: POST/PUT/PATCH, as `METHOD path`. */
  writes(): string[] {
    return this.log
      .filter((r) => ['POST', 'PUT', 'PATCH'].includes(r.method))
      .map((r) => `${r.method} ${new URL(r.url).pathname}`);
  }

  clear(): void {
    this.log.length = 0;
  }
}
