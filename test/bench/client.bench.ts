/**
 * `npm run bench`: the client side at scale. One lookup of one target (`tufci verify
 * --from URL --target NAME --cache DIR`) in the published 10k and 100k repositories,
 * beside python-tuf's ngclient doing the same lookup (scripts/bench/python_client.py),
 * both over HTTP from the same local server, cold (empty trusted state) and warm (the
 * state of a previous run). Prints time, peak RSS and bytes downloaded of each, and the
 * ratios tufci / ngclient (goals, issue 10: bytes ≤ 1.1×, time ≤ 1.5× cold; warm
 * downloads only timestamp and what changed). `TUFCI_BENCH_SIZES=10000` runs one size.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PYTHON, PYTHONPATH } from '../helpers/python-tuf.js';
import { serveDir, type StaticServer } from '../helpers/static-server.js';
import type { World } from '../helpers/world.js';
import { median, runOnceAsync, type Run } from './measure.js';
import { check, world } from './scale-world.js';

const root = new URL('../..', import.meta.url).pathname;
const CLI = join(root, 'build', 'signer-cli', 'main.js');
const PEER = join(root, 'scripts', 'bench', 'python_client.py');
const SIZES = (process.env.TUFCI_BENCH_SIZES ?? '10000,100000').split(',').map(Number);
const RUNS = 3;

interface Lookup extends Run {
  bytes: number;
  files: string[];
}
const lines: string[] = [];
const worlds: World[] = [];

afterAll(() => {
  console.log(['', `client lookup, flat layout (${cpus().length} cores)`, ...lines, ''].join('\n'));
  // TUFCI_BENCH_KEEP=1 keeps the repositories (to profile a lookup in them)
  if (process.env.TUFCI_BENCH_KEEP === '1')
    console.log(`kept: ${worlds.map((w) => w.root).join(' ')}`);
  else for (const w of worlds) w.cleanup();
});

describe('one target lookup, beside python-tuf ngclient', () => {
  for (const n of SIZES) {
    it(`${n} targets`, async () => {
      const { w } = await world(n);
      worlds.push(w);
      const site = join(w.root, 'site');
      const main = w.ci();
      check('publish', await main.tufci('publish', '--to', `dir:${site}`));
      const server: StaticServer = await serveDir(site);
      const pinned = join(main.dir, 'metadata', 'root_history', '1.root.json');
      const target = `d${(n / 2) % 100}/artifact-${n / 2}.bin`;
      const measured = async (
        cmd: string[],
        env: Record<string, string | undefined>,
      ): Promise<Lookup> => {
        server.requests.length = 0;
        const r = await runOnceAsync(cmd, { env });
        const files = server.requests.filter((q) => q.status === 200).map((q) => q.path);
        const bytes = files.reduce((s, f) => s + statSync(join(site, f)).size, 0);
        return { ...r, bytes, files };
      };
      const tufci = (cache: string) =>
        measured(
          [
            'node',
            CLI,
            'verify',
            '--from',
            server.url,
            '--root',
            pinned,
            '--target',
            target,
            '--cache',
            cache,
          ],
          w.env,
        );
      const peer = (dir: string) =>
        measured([PYTHON, PEER, dir, pinned, server.url, target], {
          PATH: process.env.PATH,
          PYTHONPATH,
          PYTHONDONTWRITEBYTECODE: '1',
        });
      const runs = {
        tufci: { cold: [] as Lookup[], warm: [] as Lookup[] },
        peer: { cold: [] as Lookup[], warm: [] as Lookup[] },
      };
      try {
        for (let i = 0; i < RUNS; i++) {
          for (const [who, fn] of [
            ['tufci', tufci],
            ['peer', peer],
          ] as const) {
            const dir = mkdtempSync(join(tmpdir(), `tufci-client-${who}-`));
            runs[who].cold.push(await fn(dir));
            runs[who].warm.push(await fn(dir));
            rmSync(dir, { recursive: true, force: true });
          }
        }
      } finally {
        await server.close();
      }
      const ms = (x: Lookup[]) => median(x.map((r) => r.ms));
      const mib = (x: Lookup[]) => median(x.map((r) => r.rssMiB));
      for (const kind of ['cold', 'warm'] as const) {
        const a = runs.tufci[kind];
        const b = runs.peer[kind];
        lines.push(
          `  ${n} targets, ${kind}: tufci ${ms(a).toFixed(0)} ms, ${mib(a).toFixed(0)} MiB, ${a[0]!.bytes} B (${a[0]!.files.length} files); ngclient ${ms(b).toFixed(0)} ms, ${mib(b).toFixed(0)} MiB, ${b[0]!.bytes} B (${b[0]!.files.length} files); ratio time ${(ms(a) / ms(b)).toFixed(2)}, bytes ${(a[0]!.bytes / b[0]!.bytes).toFixed(2)}`,
        );
      }
      // the warm lookup fetches what a TUF client must: timestamp (and the target)
      expect(runs.tufci.warm[0]!.files).toContain('timestamp.json');
    });
  }
});
