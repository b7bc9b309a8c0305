/**
 * Exit codes, one per error class, through the real CLI: the built `tufci` binary run
 * as a process on a real git remote, a real registry (with and without htpasswd) and a
 * published tree. Every failure prints one `error:` line and no stack; the stack comes
 * only with --debug or TUFCI_DEBUG=1.
 *
 *   0 ok · 1 failed user action (also invalid metadata, git) · 2 usage · 3 verification
 *   refused · 4 registry or network · 5 signer or token · 70 internal bug
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../signer-cli/program.js';
import { freePort, startRegistry, type TestRegistry } from '../helpers/registry.js';
import { World, git } from '../helpers/world.js';

const BIN = resolve('build/signer-cli/main.js');
const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');

interface Result {
  code: number;
  out: string;
  err: string;
}

/** Runs the built CLI as a process, as a user does. */
function tufci(cwd: string, env: Record<string, string | undefined>, ...args: string[]) {
  return new Promise<Result>((done) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { cwd, env: env as NodeJS.ProcessEnv, encoding: 'utf8' },
      (e, out, err) => {
        const code = e ? (typeof e.code === 'number' ? e.code : -1) : 0;
        done({ code, out, err });
      },
    );
  });
}

const STACK = /^\s+at /m;

/** The failure is one clear `error:` message, no stack, no internal error. */
function clean(r: Result, code: number, message: string | RegExp): void {
  expect(r.code, `${r.err}\n${r.out}`).toBe(code);
  expect(r.err).toMatch(/^error: /);
  if (typeof message === 'string') expect(r.err).toContain(message);
  else expect(r.err).toMatch(message);
  expect(r.err).not.toMatch(STACK);
  expect(r.err).not.toContain('internal error');
}

describe('exit codes through the real CLI, one per error class', () => {
  const w = new World();
  const alice = w.clone('alice');
  const bob = w.clone('bob');
  const ci = w.ci();
  const site = join(w.root, 'site');
  const USER = 'tufci';
  const SECRET = 'registry secret';
  let registry: TestRegistry;
  const creds = (): Record<string, string | undefined> => ({
    ...w.env,
    TUFCI_REGISTRY_USERNAME: USER,
    TUFCI_REGISTRY_PASSWORD: SECRET,
  });

  beforeAll(async () => {
    registry = await startRegistry({ auth: { username: USER, password: SECRET } });
    const ok = (what: string, r: Result): void => {
      if (r.code !== 0) throw new Error(`${what} failed (${r.code}): ${r.err}`);
    };
    ok('init', await alice.tufci(...w.initArgs([alice, bob], 2), '--key', `@bob=${bob.pubfile}`));
    // 5, before bob has signed: his key file with the wrong passphrase
    w.sync(bob, 'sign/init');
    const wrong = await tufci(
      bob.dir,
      { ...w.env, TUFCI_KEY_PASSPHRASE: 'not it' },
      ...['sign', 'sign/init', '--yes'],
    );
    clean(wrong, 5, `${bob.keyfile}: wrong passphrase`);
    ok('sign', await bob.tufci('sign', 'sign/init', '--yes'));
    w.merge('sign/init');
    w.sync(ci, 'main');
    ok('online-sign', await ci.tufci('online-sign', '--push'));
    w.pushFiles(alice, 'sign/app', { 'targets/app.txt': 'app\n' });
    w.sync(ci, 'sign/app');
    ok('event update', await ci.tufci('event', 'update', '--push'));
    ok('sign', await alice.tufci('sign', 'sign/app', '--yes'));
    ok('sign', await bob.tufci('sign', 'sign/app', '--yes'));
    w.merge('sign/app');
    w.sync(ci, 'main');
    ok('online-sign', await ci.tufci('online-sign', '--push'));
    ok('publish', await ci.tufci('publish', '--to', `dir:${site}`));
  }, 180_000);
  afterAll(async () => {
    await registry?.stop();
    w.cleanup();
  });

  it('0: a command that works', async () => {
    const r = await tufci(ci.dir, w.env, 'status');
    expect(r.code, r.err).toBe(0);
    expect(r.err).toBe('');
  });

  it('1: a failed user action, invalid metadata, a git failure', async () => {
    clean(
      await tufci(ci.dir, w.env, 'verify', '--from', `dir:${site}`, '--root', 'no-such-root.json'),
      1,
      'is not a file; pin a trusted root.json',
    );
    clean(await tufci(bob.dir, w.env, 'sign', 'sign/nonexistent', '--yes'), 1, 'sign/nonexistent');
    const broken = w.clone('broken');
    writeFileSync(join(broken.dir, 'metadata', 'targets.json'), '{ "signed": ');
    clean(await tufci(broken.dir, w.env, 'status'), 1, 'metadata/targets.json');
  });

  it('2: usage: an unknown flag, a malformed location', async () => {
    const unknown = await tufci(ci.dir, w.env, 'status', '--bogus');
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain("unknown option '--bogus'");
    expect(unknown.err).not.toMatch(STACK);
    clean(await tufci(ci.dir, w.env, 'publish', '--to', 'ftp://example.com/x'), 2, '--to');
    const missing = await tufci(ci.dir, w.env, 'verify');
    expect(missing.code).toBe(2);
  });

  it('3: verification refused: a tampered target in a published tree', async () => {
    const target = join(site, 'targets', `${sha256('app\n')}.app.txt`);
    writeFileSync(target, 'APP\n'); // same length, other bytes
    try {
      clean(
        await tufci(ci.dir, w.env, ...['verify', '--from', `dir:${site}`, '--target', 'app.txt']),
        3,
        'downloaded bytes do not match the signed length or hash',
      );
    } finally {
      writeFileSync(target, 'app\n');
    }
  });

  it('4: a registry 401 without credentials; 3: a tampered OCI blob', async () => {
    const to = `oci://${registry.host}/acme/tuf`;
    clean(await tufci(ci.dir, w.env, 'publish', '--to', to), 4, /401|unauthorized|credentials/i);
    const published = await tufci(ci.dir, creds(), 'publish', '--to', to);
    expect(published.code, published.err).toBe(0);
    const root = join(ci.dir, 'metadata', 'root_history', '1.root.json');
    const verify = (): Promise<Result> =>
      tufci(
        ci.dir,
        creds(),
        ...['verify', '--from', to, '--root', root, '--target', 'app.txt'],
        ...['--cache', join(w.root, `cache-${Math.random().toString(36).slice(2)}`)],
      );
    expect((await verify()).code).toBe(0);
    const blob = join(
      registry.dir,
      'data/docker/registry/v2/blobs/sha256',
      sha256('app\n').slice(0, 2),
      sha256('app\n'),
      'data',
    );
    writeFileSync(blob, 'APP\n');
    try {
      clean(await verify(), 3, 'a blob does not match its digest');
    } finally {
      writeFileSync(blob, 'app\n');
    }
  });

  it('4: the network is down (nothing listens on the port)', async () => {
    const port = await freePort();
    clean(
      await tufci(
        ci.dir,
        w.env,
        ...[
          'verify',
          '--from',
          `oci://127.0.0.1:${port}/acme/tuf`,
          '--root',
          join(site, '1.root.json'),
        ],
      ),
      4,
      `127.0.0.1:${port}`,
    );
    clean(
      await tufci(
        ci.dir,
        w.env,
        ...['verify', '--from', `http://127.0.0.1:${port}/`, '--root', join(site, '1.root.json')],
      ),
      4,
      'ECONNREFUSED',
    );
  });

  it('70: an internal bug says so, and the stack comes only with --debug or TUFCI_DEBUG=1', async () => {
    const sink = { out: [] as string[], err: [] as string[] };
    const bug = (): Date => {
      throw new TypeError("Cannot read properties of undefined (reading 'x')");
    };
    const code = await run(['status'], { ...w.ctxFor(ci.dir, sink), now: bug });
    expect(code).toBe(70);
    expect(sink.err[0]).toBe("internal error: Cannot read properties of undefined (reading 'x')");
    expect(sink.err.join('\n')).toContain('run again with --debug or TUFCI_DEBUG=1');
    expect(sink.err.join('\n')).not.toMatch(STACK);

    const debug = { out: [] as string[], err: [] as string[] };
    expect(await run(['status', '--debug'], { ...w.ctxFor(ci.dir, debug), now: bug })).toBe(70);
    expect(debug.err.join('\n')).toMatch(STACK);

    // a user error with TUFCI_DEBUG=1: same exit code, the stack too
    const r = await tufci(ci.dir, { ...w.env, TUFCI_DEBUG: '1' }, 'publish', '--to', 'ftp://x/y');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(STACK);
  });

  it('git is still clean after every failure', () => {
    expect(git(bob.dir, 'status', '--porcelain')).toBe('');
    expect(git(ci.dir, 'status', '--porcelain')).toBe('');
  });
});
