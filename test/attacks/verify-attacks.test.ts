/**
 * The TUF attacks, run against the built `tufci verify` from every source: a directory
 * (dir:), HTTP (a loopback static server), a registry (docker-registry, oci://) and an
 * image layout (oci-layout:). Each attack tree is forged from a real published
 * repository (see forge.ts) and published as it is to every source; a forged tree
 * signed by the right keys is accepted everywhere (the control), and python-tuf refuses
 * the same attack trees, so each refusal is about what the attack changed. Every attack
 * ends in exit 3 with a message naming the file or role, and no stack trace.
 * docs/SECURITY.md lists them with their outcomes.
 */
import { execFile, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  appendFileSync,
  cpSync,
  mkdirSync,
  readFileSync,
  rmSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tufDate } from '../../lib/tuf/envelope.js';
import { ngclient } from '../helpers/python-tuf.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { startSlowProxy, type SlowProxy } from '../helpers/slow-proxy.js';
import { serveDir, type StaticServer } from '../helpers/static-server.js';
import { PASS, World } from '../helpers/world.js';
import { Forge, attackerKey, keyOf, publishTree, type Key, type Signing } from './forge.js';

const BIN = resolve('build/signer-cli/main.js');
const MiB = 1024 * 1024;

interface Run {
  code: number;
  out: string;
  err: string;
  /** Peak resident memory of the CLI process, in MiB. */
  rssMiB: number;
}

type SourceKind = 'dir' | 'http' | 'https' | 'oci' | 'oci-layout';
/** Where every forged tree is verified from. */
const SOURCES: SourceKind[] = ['dir', 'http', 'oci', 'oci-layout'];
/** HTTPS too, for the controls and what depends on the transport (cache, limits, time). */
const ALL: SourceKind[] = ['dir', 'http', 'https', 'oci', 'oci-layout'];

describe('verify refuses the TUF attacks from every source', () => {
  const w = new World();
  const alice = w.clone('alice', '@alice', 'ed25519');
  const trees = join(w.root, 'trees');
  const layouts = join(w.root, 'layouts');
  let server: StaticServer;
  /** HTTPS in front of the static server; the CLI trusts its certificate (NODE_EXTRA_CA_CERTS). */
  let tlsProxy: SlowProxy;
  let tls: { key: string; cert: string };
  const env = { ...w.env, NODE_EXTRA_CA_CERTS: join(w.root, 'tls', 'cert.pem') };
  let registry: TestRegistry;
  let online: Key;
  let aliceKey: Key;
  let pinned: string;

  // at most 6 CLI processes at once: the attacks run concurrently, the machine has 2 cores
  let running = 0;
  const queue: (() => void)[] = [];
  const slot = async (): Promise<() => void> => {
    if (running >= 6) await new Promise<void>((ok) => queue.push(ok));
    running++;
    return () => {
      running--;
      queue.shift()?.();
    };
  };

  /** `tufci verify ARGS` as a user runs it (the built CLI), its peak memory measured. */
  const verify = async (...args: string[]): Promise<Run> => {
    const release = await slot();
    try {
      return await verifyNow(...args);
    } finally {
      release();
    }
  };
  const verifyNow = (...args: string[]): Promise<Run> =>
    new Promise((done) => {
      execFile(
        '/usr/bin/time',
        ['-f', 'peak-rss-kb=%M', process.execPath, BIN, 'verify', ...args],
        { cwd: w.root, env: env as NodeJS.ProcessEnv, encoding: 'utf8', maxBuffer: 16 * MiB },
        (e, out, err) => {
          const m = /peak-rss-kb=(\d+)\s*$/.exec(err);
          done({
            code: e ? (typeof e.code === 'number' ? e.code : -1) : 0,
            out,
            err: m ? err.slice(0, m.index).trimEnd() : err,
            rssMiB: m ? Number(m[1]) / 1024 : NaN,
          });
        },
      );
    });

  const from = (kind: SourceKind, tree: string, via?: SlowProxy): string => {
    switch (kind) {
      case 'dir':
        return `dir:${join(trees, tree)}`;
      case 'http':
        return `${via ? via.url : server.url}${tree}/`;
      case 'https':
        return `${(via ?? tlsProxy).url}${tree}/`;
      case 'oci':
        return `oci://${via ? via.host : registry.host}/attacks/${tree}`;
      case 'oci-layout':
        return `oci-layout:${join(layouts, tree)}`;
    }
  };

  /** Publishes tree `name` (a directory under trees/) to the registry and a layout too. */
  const publishEverywhere = async (name: string): Promise<void> => {
    await publishTree(join(trees, name), `oci://${registry.host}/attacks/${name}`);
    await publishTree(join(trees, name), `oci-layout:${join(layouts, name)}`);
  };

  const publishEvent = async (name: string, files: Record<string, string>): Promise<void> => {
    w.pushFiles(alice, `sign/${name}`, files);
    expect((await w.ci(`sign/${name}`).tufci('event', 'update', '--push')).err).toBe('');
    expect((await alice.tufci('sign', `sign/${name}`, '--yes')).code).toBe(0);
    w.merge(`sign/${name}`);
    const ci = w.ci();
    expect((await ci.tufci('online-sign', '--push')).code).toBe(0);
    expect((await ci.tufci('publish', '--to', `dir:${join(trees, name)}`)).err).toBe('');
  };

  const as = (key: Key, id?: string): Signing => ({ by: [{ key, ...(id ? { as: id } : {}) }] });
  const past = (): string => tufDate(new Date(Date.now() - 86_400_000));

  /** The forged trees: name → how it is made from the latest published tree. */
  const FORGED: Record<string, (f: Forge) => Promise<void>> = {
    // the control: every role re-signed by the keys root trusts
    valid: (f) => f.newTargets(as(aliceKey), as(online)),
    'mix-snapshot': async (f) => {
      // the current timestamp with the older snapshot served in its place
      const older = new Forge(join(trees, 'one'));
      writeFileSync(
        join(f.dir, `${f.snapshotVersion}.snapshot.json`),
        older.bytes(`${older.snapshotVersion}.snapshot.json`),
      );
    },
    'mix-targets': async (f) => {
      // the current snapshot with the older targets served in their place
      const older = new Forge(join(trees, 'one'));
      writeFileSync(
        join(f.dir, `${f.targetsVersion}.targets.json`),
        older.bytes(`${older.targetsVersion}.targets.json`),
      );
    },
    'rollback-root': async (f) => {
      // a new root, then the same (older) root served as the version after it
      const v = await f.newRoot(as(aliceKey), () => undefined);
      writeFileSync(join(f.dir, `${v + 1}.root.json`), f.bytes(`${v}.root.json`));
    },
    freeze: (f) => f.newTimestamp(as(online), (t) => (t.expires = past())),
    // an expiry tuf-js would read as an invalid date that never passes
    'never-expires': (f) => f.newTimestamp(as(online), (t) => (t.expires = 'never')),
    'below-threshold-targets': (f) => f.newTargets({ by: [] }, as(online)),
    'below-threshold-timestamp': (f) => f.newTimestamp({ by: [] }),
    'key-counted-twice': async (f) => {
      // root lists the online key a second time under another keyid, threshold 2
      const twin = createHash('sha256').update('twin').digest('hex');
      await f.newRoot(as(aliceKey), (r) => {
        r.keys[twin] = r.keys[online.id]!;
        r.roles.timestamp = { keyids: [online.id, twin], threshold: 2 };
      });
      await f.newTimestamp({ by: [{ key: online }, { key: online, as: twin }] });
    },
    'wrong-key-timestamp': async (f) => f.newTimestamp(as(await attackerKey())),
    'wrong-key-as-trusted-keyid': async (f) =>
      f.newTargets(as(await attackerKey(), aliceKey.id), as(online)),
    'expired-targets': (f) => f.newTargets(as(aliceKey), as(online), (t) => (t.expires = past())),
    'expired-snapshot': (f) => f.newSnapshot(as(online), (s) => (s.expires = past())),
    'revoked-key': async (f) => {
      // root rotates the online key; the old one, still in the attacker's hands, signs on
      const next = await attackerKey();
      await f.newRoot(as(aliceKey), (r) => {
        delete r.keys[online.id];
        r.keys[next.id] = next.json;
        for (const role of ['timestamp', 'snapshot'])
          r.roles[role] = { keyids: [next.id], threshold: 1 };
      });
      await f.newSnapshot(as(online));
    },
  };

  let rotatedKey: Key;

  beforeAll(async () => {
    mkdirSync(trees);
    registry = await startRegistry();
    await w.bootstrap([alice], 1);
    await publishEvent('one', { 'targets/app.txt': 'app v1\n' });
    cpSync(join(trees, 'one'), join(trees, 'two'), { recursive: true });
    await publishEvent('two', { 'targets/app.txt': 'app v2\n' });
    pinned = join(trees, 'one', '1.root.json');
    online = await keyOf(w.onlineKeyPem);
    aliceKey = await keyOf(readFileSync(alice.keyfile, 'utf8'), PASS);
    for (const [name, make] of Object.entries(FORGED))
      await make(Forge.copy(join(trees, 'two'), join(trees, name)));
    // the control for the rotation: the same new root, the new key signing
    rotatedKey = await attackerKey();
    const rotated = Forge.copy(join(trees, 'two'), join(trees, 'rotated'));
    await rotated.newRoot(as(aliceKey), (r) => {
      delete r.keys[online.id];
      r.keys[rotatedKey.id] = rotatedKey.json;
      for (const role of ['timestamp', 'snapshot'])
        r.roles[role] = { keyids: [rotatedKey.id], threshold: 1 };
    });
    await rotated.newSnapshot(as(rotatedKey));
    for (const name of [...Object.keys(FORGED), 'rotated', 'one', 'two'])
      await publishEverywhere(name);
    server = await serveDir(trees);
    const dir = join(w.root, 'tls');
    mkdirSync(dir);
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
      ],
      { stdio: 'ignore' },
    );
    tls = {
      key: readFileSync(join(dir, 'key.pem'), 'utf8'),
      cert: readFileSync(join(dir, 'cert.pem'), 'utf8'),
    };
    tlsProxy = await startSlowProxy(server.url, tls);
  }, 180_000);

  afterAll(async () => {
    await tlsProxy?.close();
    await server?.close();
    await registry?.stop();
    w.cleanup();
  });

  const expectRefused = (r: Run, file: RegExp, why: RegExp, what: string): void => {
    // TUFCI_ATTACK_LOG=FILE collects each refusal, for docs/SECURITY.md
    const log = process.env.TUFCI_ATTACK_LOG;
    if (log) appendFileSync(log, `${what}\t${r.code}\t${r.err.split('\n').join(' | ')}\n`);
    expect(r.code, `${what}: ${r.err}`).toBe(3);
    expect(r.err, what).toMatch(/^error: /);
    expect(r.err, what).toMatch(file);
    expect(r.err, what).toMatch(why);
    expect(r.err, what).not.toMatch(/\n\s+at |internal error|TypeError|RuntimeError/);
    expect(r.out, what).not.toContain('Repository verified');
  };

  it.each(['valid', 'rotated'])(
    'the control tree %s is accepted from every source',
    async (tree) => {
      const runs = await Promise.all(
        ALL.map((s) =>
          verify('--from', from(s, tree), '--root', pinned, '--no-cache', '--target', 'app.txt'),
        ),
      );
      runs.forEach((r, i) => {
        expect(r.err, ALL[i]).toBe('');
        expect(r.code, ALL[i]).toBe(0);
        expect(r.out, ALL[i]).toContain('Target "app.txt" verified');
      });
    },
  );

  /** The older file is refused by its signed hash, or by its signed length when larger. */
  const MISMATCH = /do not match the signed length or hash|larger than the signed length allows/;
  /** attack → the file it must be named by, and the reason. */
  const ATTACKS: [string, RegExp, RegExp][] = [
    ['mix-snapshot', /\d+\.snapshot\.json: /, MISMATCH],
    ['mix-targets', /\d+\.targets\.json: /, MISMATCH],
    ['rollback-root', /3\.root\.json: /, /version went backwards.*Expected version 3, got 2/],
    ['freeze', /timestamp\.json: /, /metadata has expired/],
    ['never-expires', /timestamp\.json: field "signed\.expires"/, /could never see it expire/],
    ['below-threshold-targets', /targets\.json/, /threshold.*signed by 0\/1/],
    ['below-threshold-timestamp', /timestamp\.json: /, /do not meet the threshold/],
    ['key-counted-twice', /2\.root\.json: role "timestamp"/, /one key under two keyids/],
    ['wrong-key-timestamp', /timestamp\.json: /, /do not meet the threshold.*signed by 0\/1/],
    ['wrong-key-as-trusted-keyid', /\d+\.targets\.json: /, /do not meet the threshold/],
    ['expired-targets', /\d+\.targets\.json: /, /metadata has expired/],
    ['expired-snapshot', /\d+\.snapshot\.json: /, /metadata has expired/],
    ['revoked-key', /timestamp\.json: /, /do not meet the threshold.*signed by 0\/1/],
  ];

  it.concurrent.each(ATTACKS)('%s is refused from every source', async (tree, file, why) => {
    const runs = await Promise.all(
      SOURCES.map((s) => verify('--from', from(s, tree), '--root', pinned, '--no-cache')),
    );
    runs.forEach((r, i) => expectRefused(r, file, why, `${tree} from ${SOURCES[i]}`));
  });

  // python-tuf 5.1 counts keyids: it accepts one key listed under two (key-counted-twice)
  it.concurrent(
    'python-tuf refuses the same attack trees and accepts the controls',
    async () => {
      const trees = ATTACKS.map((a) => a[0]).filter((t) => t !== 'key-counted-twice');
      for (const tree of [...trees, 'valid', 'rotated']) {
        const work = join(w.root, `py-${tree}`);
        mkdirSync(work);
        const release = await slot();
        const res = await ngclient({
          trustedRoot: pinned,
          baseUrl: `${server.url}${tree}/`,
          workDir: work,
          targets: [],
        }).finally(release);
        if (tree === 'valid' || tree === 'rotated') expect(res.error, tree).toBeUndefined();
        else expect(res.error, tree).toBeDefined();
      }
    },
    240_000,
  );

  /** Serves tree `tree` (a directory under trees/) as `name` from source `kind`. */
  const place = async (kind: SourceKind, name: string, tree: string): Promise<void> => {
    if (kind === 'dir' || kind === 'http' || kind === 'https') {
      rmSync(join(trees, name), { recursive: true, force: true });
      cpSync(join(trees, tree), join(trees, name), { recursive: true });
    } else if (kind === 'oci') {
      await publishTree(join(trees, tree), `oci://${registry.host}/attacks/${name}`);
    } else await publishTree(join(trees, tree), `oci-layout:${join(layouts, name)}`);
  };

  it.concurrent.each(ALL)(
    'a rollback across runs is refused from %s, with the default cache and with --cache DIR',
    async (kind) => {
      const name = `current-${kind}`;
      const caches = [[], ['--cache', join(w.root, `cache-${kind}`)]];
      await place(kind, name, 'two');
      for (const cache of caches) {
        const first = await verify('--from', from(kind, name), '--root', pinned, ...cache);
        expect(first.err, kind).toBe('');
        expect(first.code).toBe(0);
      }
      // the older tree, still unexpired and validly signed, served again
      await place(kind, name, 'one');
      for (const cache of caches) {
        const again = await verify('--from', from(kind, name), '--root', pinned, ...cache);
        expectRefused(again, /timestamp\.json/, /rollback|went backwards/, `${kind} ${cache}`);
      }
      // a client that kept nothing accepts it: what the cache is for
      const fresh = await verify('--from', from(kind, name), '--root', pinned, '--no-cache');
      expect(fresh.err).toBe('');
      expect(fresh.code).toBe(0);
    },
  );

  it.concurrent(
    'a freeze across runs (the same timestamp served after it expired) is refused everywhere',
    async () => {
      const f = Forge.copy(join(trees, 'two'), join(trees, 'freeze-soon'));
      const expires = Math.ceil(Date.now() / 1000) * 1000 + 20_000;
      await f.newTimestamp(as(online), (t) => (t.expires = tufDate(new Date(expires))));
      await publishEverywhere('freeze-soon');
      const cache = (kind: SourceKind): string[] => ['--cache', join(w.root, `freeze-${kind}`)];
      const first = await Promise.all(
        SOURCES.map((k) =>
          verifyNow('--from', from(k, 'freeze-soon'), '--root', pinned, ...cache(k)),
        ),
      );
      first.forEach((r, i) => expect(r.err, SOURCES[i]).toBe(''));
      // nothing changes on the mirrors; time passes
      await new Promise((ok) => setTimeout(ok, Math.max(0, expires - Date.now() + 1500)));
      const again = await Promise.all(
        SOURCES.map((k) => verify('--from', from(k, 'freeze-soon'), '--root', pinned, ...cache(k))),
      );
      again.forEach((r, i) =>
        expectRefused(r, /timestamp\.json: /, /metadata has expired/, `freeze from ${SOURCES[i]}`),
      );
    },
    60_000,
  );

  const blobOf = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

  it.concurrent.each(ALL)(
    'endless data for timestamp.json from %s: reading stops at the limit, memory stays bounded',
    async (kind) => {
      const stamp = readFileSync(join(trees, 'two', 'timestamp.json'));
      let src: string;
      let proxy: SlowProxy | undefined;
      if (kind === 'dir') {
        Forge.copy(join(trees, 'two'), join(trees, 'huge'));
        truncateSync(join(trees, 'huge', 'timestamp.json'), 1024 * MiB); // sparse: 1 GiB of zeros
        src = from('dir', 'huge');
      } else if (kind === 'oci-layout') {
        await publishTree(join(trees, 'two'), `oci-layout:${join(layouts, 'huge')}`);
        truncateSync(join(layouts, 'huge', 'blobs', 'sha256', blobOf(stamp)), 1024 * MiB);
        src = from('oci-layout', 'huge');
      } else {
        // the proxy answers the timestamp (file, or registry blob) with a body that never ends
        const path = kind === 'oci' ? `/blobs/sha256:${blobOf(stamp)}` : '/two/timestamp.json';
        proxy = await startSlowProxy(
          kind === 'oci' ? registry.url : server.url,
          kind === 'https' ? tls : undefined,
        );
        proxy.set((p) => p.endsWith(path), { endless: true });
        src = from(kind, 'two', proxy);
      }
      const r = await verify('--from', src, '--root', pinned, '--no-cache');
      expectRefused(r, /timestamp\.json/, /bytes|larger|length|exceeds/, `endless from ${kind}`);
      expect(r.rssMiB, kind).toBeLessThan(200);
      if (proxy) {
        const answers = proxy.answers;
        // the CLI has exited; its hang-up reaches the proxy within a few ticks
        for (let i = 0; i < 100 && !answers.every((a) => a.clientClosed); i++)
          await new Promise((ok) => setTimeout(ok, 20));
        await proxy.close();
        expect(answers.length, kind).toBeGreaterThan(0);
        for (const a of answers) {
          expect(a.clientClosed, kind).toBe(true);
          expect(a.sent, kind).toBeLessThan(64 * MiB);
        }
      }
    },
  );

  it.concurrent.each(['http', 'https', 'oci'] as const)(
    'slow retrieval from %s (a byte at a time, or no answer) is refused at --timeout',
    async (kind) => {
      const proxy = await startSlowProxy(
        kind === 'oci' ? registry.url : server.url,
        kind === 'https' ? tls : undefined,
      );
      const stamp = readFileSync(join(trees, 'rotated', 'timestamp.json'));
      const paths =
        kind !== 'oci'
          ? { drip: '/rotated/timestamp.json', stall: '/valid/2.root.json' }
          : { drip: `/blobs/sha256:${blobOf(stamp)}`, stall: '/attacks/valid/manifests/latest' };
      proxy.set((p) => p.endsWith(paths.drip), { drip: 200 });
      const drip = await verify(
        '--from',
        from(kind, 'rotated', proxy),
        '--root',
        pinned,
        '--no-cache',
        '--timeout',
        '2',
      );
      expectRefused(drip, /timestamp\.json: /, /slow retrieval/, `drip from ${kind}`);
      proxy.set((p) => p.endsWith(paths.stall), { stall: true });
      const stall = await verify(
        '--from',
        from(kind, 'valid', proxy),
        '--root',
        pinned,
        '--no-cache',
        '--timeout',
        '2',
      );
      expectRefused(
        stall,
        kind !== 'oci' ? /2\.root\.json: / : /2\.root\.json: .*manifests? .*latest/,
        /slow retrieval/,
        `stall from ${kind}`,
      );
      // a stalled registry says nothing about the pinned root
      expect(stall.err).not.toContain('does not belong');
      await proxy.close();
      const bad = await verify(
        '--from',
        from(kind, 'valid'),
        '--root',
        pinned,
        '--no-cache',
        '--timeout',
        '0',
      );
      expect(bad.code).toBe(2);
      expect(bad.err).toContain('--timeout "0"');
    },
  );
});
