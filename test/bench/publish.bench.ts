/**
 * `npm run bench`: publish a repository of 1,000 targets (1 KiB to 1 MiB: mostly small,
 * 1 in 25 of 64-256 KiB, 1 in 100 of 1 MiB; about 19 MiB) to Debian's docker-registry,
 * beside `oras push` of the same files in the same run. Both go through a counting
 * proxy with 8 uploads in flight. Then both push again with one file changed.
 * Prints time and requests of each, and the ratios tufci / oras.
 *
 * Half the targets are top-level files (one tagged manifest each, as Docker's layout
 * wants), half sit in four directories (one manifest each). The metadata is synthetic
 * (unsigned JSON listing every target): this measures transfer, not signing.
 *
 * First, the whole commands: `tufci publish --to oci://…` of a real signed repository
 * holding the same 1,000 files, beside `oras push` of them, each into a registry started
 * empty for the run, straight (no proxy), in turn, `TUFCI_BENCH_RUNS` (3) times each
 * after a warm-up; medians and the ratio tufci / oras (goal ≤ 1.0).
 */
import { createHash, randomBytes } from 'node:crypto';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { RegistryClient } from '../../lib/oci/index.js';
import { OciPublisher } from '../../lib/publish/oci.js';
import { targetTreePath, type PublishTree, type TreeEntry } from '../../lib/publish/tree.js';
import { startFaultProxy, type FaultProxy } from '../helpers/fault-proxy.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { Fixture } from '../oci-publish/support.js';
import { median, runOnceAsync, type Run } from './measure.js';

const ORAS = '/opt/oras/usr/bin/oras';
const COUNT = 1000;
const CONCURRENCY = 8;
const RUNS = Number(process.env.TUFCI_BENCH_RUNS ?? 3);
const CLI = join(new URL('../..', import.meta.url).pathname, 'build', 'signer-cli', 'main.js');

function sizeOf(i: number): number {
  if (i % 100 === 99) return 1 << 20;
  if (i % 25 === 24) return (64 + ((i * 37) % 193)) << 10;
  return (1 + (i % 8)) << 10;
}

interface Measured {
  ms: number;
  requests: number;
}

let registry: TestRegistry;
let proxy: FaultProxy;
let dir: string;
const names: string[] = [];
const contents: Buffer[] = [];
const results = new Map<string, Measured>();

const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

function metadataEntry(path: string, version: number, doc: unknown): TreeEntry {
  const bytes = Buffer.from(
    JSON.stringify({ signed: { version, ...(doc as object) }, signatures: [] }),
  );
  const kind = path.endsWith('.root.json') ? 'root' : 'metadata';
  const name = path.replace(/^\d+\./, '').replace(/\.json$/, '');
  return { path, kind, name, version, bytes, length: bytes.length, sha256: sha256(bytes) };
}

/** The publish tree of the files as they are now, with metadata of `version`. */
function tree(version: number): PublishTree {
  const entries: TreeEntry[] = [];
  const targets: Record<string, unknown> = {};
  names.forEach((name, i) => {
    const bytes = contents[i]!;
    const hash = sha256(bytes);
    const path = i % 2 === 0 ? name : `dir${i % 4}/${name}`;
    const target = { length: bytes.length, hashes: { sha256: hash } };
    targets[path] = target;
    entries.push({
      path: targetTreePath(path, hash),
      kind: 'target',
      name: path,
      file: join(dir, name),
      length: bytes.length,
      sha256: hash,
      target,
    });
  });
  const meta = (role: string) => ({ [`${role}.json`]: { version } });
  entries.push(
    metadataEntry(`${version}.targets.json`, version, { _type: 'targets', targets }),
    metadataEntry('1.root.json', 1, { _type: 'root' }),
    metadataEntry(`${version}.snapshot.json`, version, {
      _type: 'snapshot',
      meta: meta('targets'),
    }),
    metadataEntry('timestamp.json', version, { _type: 'timestamp', meta: meta('snapshot') }),
  );
  return { entries, roles: new Map(), registryTargets: [] };
}

/** Measures the first run of `key`; tinybench may call a task again, those runs do nothing. */
async function measure(key: string, work: () => Promise<unknown>): Promise<void> {
  if (results.has(key)) return;
  const before = proxy.requests.length;
  const start = performance.now();
  await work();
  results.set(key, { ms: performance.now() - start, requests: proxy.requests.length - before });
}

const publishTufci = (version: number) => async () => {
  const client = new RegistryClient(proxy.host);
  await new OciPublisher(
    `oci://${proxy.host}/bench/tuf`,
    { metadata: client.repository('bench/tuf'), targets: client.repository('bench/tuf/targets') },
    { concurrency: CONCURRENCY },
  ).publish(tree(version));
};

const pushOras = (tag: string) => () =>
  promisify(execFile)(
    ORAS,
    [
      'push',
      '--plain-http',
      '--concurrency',
      String(CONCURRENCY),
      `${proxy.host}/bench/oras:${tag}`,
      ...names,
    ],
    { cwd: dir, env: { PATH: process.env.PATH, HOME: dir }, maxBuffer: 64 << 20 },
  );

beforeAll(async () => {
  registry = await startRegistry();
  proxy = await startFaultProxy(registry.url);
  dir = mkdtempSync(join(tmpdir(), 'tufci-bench-'));
  for (let i = 0; i < COUNT; i++) {
    names.push(`file-${String(i).padStart(4, '0')}.bin`);
    contents.push(randomBytes(sizeOf(i)));
    writeFileSync(join(dir, names[i]!), contents[i]!);
  }
}, 300_000);

const cli: { tufci: Run[]; oras: Run[] } = { tufci: [], oras: [] };

afterAll(async () => {
  const t = (runs: Run[]): number => median(runs.map((r) => r.ms));
  if (cli.tufci.length && cli.oras.length)
    console.log(
      [
        '',
        `first publish of ${COUNT} files, whole commands into an empty docker-registry, ${RUNS} runs each in turn (${cpus().length} cores, load ${loadavg()[0]!.toFixed(1)})`,
        `  tufci publish --to oci://…       median ${(t(cli.tufci) / 1000).toFixed(2)} s, peak ${median(cli.tufci.map((r) => r.rssMiB)).toFixed(0)} MiB`,
        `  oras push --concurrency ${CONCURRENCY}        median ${(t(cli.oras) / 1000).toFixed(2)} s, peak ${median(cli.oras.map((r) => r.rssMiB)).toFixed(0)} MiB`,
        `  ratio tufci/oras: ${(t(cli.tufci) / t(cli.oras)).toFixed(2)} (goal ≤ 1.0); per run ${cli.tufci.map((r, i) => (r.ms / cli.oras[i]!.ms).toFixed(2)).join(' ')}`,
        '',
      ].join('\n'),
    );
  const mib = (contents.reduce((n, b) => n + b.length, 0) / 1048576).toFixed(1);
  const row = (label: string, key: string): string => {
    const r = results.get(key);
    return r
      ? `  ${label.padEnd(34)} ${(r.ms / 1000).toFixed(2).padStart(6)} s ${String(r.requests).padStart(6)} requests`
      : `  ${label}: not run`;
  };
  const ratio = (a: string, b: string): string => {
    const x = results.get(a);
    const y = results.get(b);
    return x && y
      ? `  ratio tufci/oras: time ${(x.ms / y.ms).toFixed(2)}, requests ${(x.requests / y.requests).toFixed(2)}`
      : '';
  };
  console.log(
    [
      '',
      `${COUNT} targets, ${mib} MiB, docker-registry ${registry.host}, ${CONCURRENCY} in flight`,
      row('tufci publish (new repository)', 'tufci-1'),
      row('oras push (same files)', 'oras-1'),
      ratio('tufci-1', 'oras-1'),
      row('tufci publish again, 1 file changed', 'tufci-2'),
      row('oras push again, 1 file changed', 'oras-2'),
      ratio('tufci-2', 'oras-2'),
      '',
    ].join('\n'),
  );
  await proxy?.close();
  await registry?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe(`tufci publish beside oras push, ${COUNT} files, whole commands`, () => {
  it('first publish into an empty registry, in turn', async () => {
    const fx = new Fixture();
    try {
      await fx.bootstrap();
      const files: Record<string, Uint8Array> = {};
      names.forEach(
        (name, i) => (files[i % 2 === 0 ? name : `dir${i % 4}/${name}`] = contents[i]!),
      );
      await fx.event(files);
      const once = async (tool: 'tufci' | 'oras'): Promise<Run> => {
        const r = await startRegistry();
        try {
          const run =
            tool === 'tufci'
              ? await runOnceAsync(['node', CLI, 'publish', '--to', `oci://${r.host}/bench/tuf`], {
                  cwd: fx.ci.dir,
                  env: fx.w.env,
                })
              : await runOnceAsync(
                  [
                    ORAS,
                    'push',
                    '--plain-http',
                    '--concurrency',
                    String(CONCURRENCY),
                    `${r.host}/bench/oras:v1`,
                    ...names,
                  ],
                  { cwd: dir, env: { PATH: process.env.PATH, HOME: dir } },
                );
          process.stderr.write(`${tool}: ${(run.ms / 1000).toFixed(2)} s\n`);
          return run;
        } finally {
          await r.stop();
        }
      };
      await once('tufci');
      await once('oras');
      for (let i = 0; i < RUNS; i++) {
        cli.tufci.push(await once('tufci'));
        cli.oras.push(await once('oras'));
      }
    } finally {
      fx.cleanup();
    }
  }, 3_600_000);
});

describe(`publish ${COUNT} targets to a registry`, () => {
  it('tufci publish', () => measure('tufci-1', publishTufci(1)));
  it('oras push', () => measure('oras-1', pushOras('v1')));
  it('tufci publish again, 1 file changed', () =>
    measure('tufci-2', () => {
      contents[0] = randomBytes(sizeOf(0));
      writeFileSync(join(dir, names[0]!), contents[0]);
      return publishTufci(2)();
    }));
  it('oras push again, 1 file changed', () => measure('oras-2', pushOras('v2')));
});
