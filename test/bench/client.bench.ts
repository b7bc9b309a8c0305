/**
 * `npm run bench`: the client side at scale. One lookup of one target (`tufci verify
 * --from URL --target NAME --cache DIR`) in published repositories, beside python-tuf's
 * ngclient doing the same lookup (scripts/bench/python_client.py), both over HTTP from the
 * same local server, cold (empty trusted state) and warm (the state of a previous run).
 * Layouts: flat (one targets.json of every target) and hashed bins (10k targets in 256
 * bins, 100k in 1,024, made with `tufci delegate … --bins N`). Prints time, peak RSS,
 * bytes and files downloaded of each, and the ratios tufci / ngclient (goals, issue 10:
 * bytes ≤ 1.1×, time ≤ 1.5× cold; warm downloads only timestamp and what changed).
 * `TUFCI_BENCH_SIZES=10000` runs one size, `TUFCI_BENCH_LAYOUTS=bins` one layout.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
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
const LAYOUTS = (process.env.TUFCI_BENCH_LAYOUTS ?? 'flat,bins').split(',');
const BINS: Record<number, number> = { 10000: 256, 100000: 1024 };
const RUNS = 5;

interface Lookup extends Run {
  bytes: number;
  /** Files served with 200, in order. */
  files: string[];
}
const lines: string[] = [];
const worlds: World[] = [];

afterAll(() => {
  const load = loadavg()
    .map((x) => x.toFixed(1))
    .join(' ');
  console.log(
    ['', `client lookup (${cpus().length} cores, load ${load} at the end)`, ...lines, ''].join(
      '\n',
    ),
  );
  // TUFCI_BENCH_KEEP=1 keeps the repositories (to profile a lookup in them)
  if (process.env.TUFCI_BENCH_KEEP === '1')
    console.log(`kept: ${worlds.map((w) => w.root).join(' ')}`);
  else for (const w of worlds) w.cleanup();
});

const ms = (x: Lookup[]) => median(x.map((r) => r.ms));
const mib = (x: Lookup[]) => median(x.map((r) => r.rssMiB));
/** The metadata files of a lookup without their version prefix (`3.bins-0a.json` → `bins-0a.json`). */
const roles = (l: Lookup) =>
  l.files.filter((f) => !f.startsWith('targets/')).map((f) => f.replace(/^\d+\./, ''));

describe('one target lookup, beside python-tuf ngclient', () => {
  for (const layout of LAYOUTS)
    for (const n of SIZES) {
      const bins = layout === 'bins' ? (BINS[n] ?? 256) : undefined;
      const label = `${n} targets, ${bins ? `${bins} bins` : 'flat'}`;
      it(
        label,
        async () => {
          const { w } = await world(n, bins ? { bins } : {});
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
          for (const kind of ['cold', 'warm'] as const) {
            const a = runs.tufci[kind];
            const b = runs.peer[kind];
            const bytes = b[0]!.bytes ? (a[0]!.bytes / b[0]!.bytes).toFixed(2) : '-';
            lines.push(
              `  ${label}, ${kind}: tufci ${ms(a).toFixed(0)} ms, ${mib(a).toFixed(0)} MiB, ${a[0]!.bytes} B (${a[0]!.files.length} files); ngclient ${ms(b).toFixed(0)} ms, ${mib(b).toFixed(0)} MiB, ${b[0]!.bytes} B (${b[0]!.files.length} files); ratio time ${(ms(a) / ms(b)).toFixed(2)}, bytes ${bytes}`,
            );
          }
          lines.push(`    files, tufci cold: ${roles(runs.tufci.cold[0]!).join(' ')}`);
          // both clients keep the target: a warm lookup downloads timestamp.json only
          for (const who of ['tufci', 'peer'] as const)
            for (const r of runs[who].warm) expect(r.files, who).toEqual(['timestamp.json']);
          // cold: the top-level roles and, with bins, the one bin the target hashes to
          const top = ['timestamp.json', 'snapshot.json', 'targets.json'];
          const cold = roles(runs.tufci.cold[0]!);
          expect(cold.slice(0, 3)).toEqual(top);
          if (bins)
            expect(cold.slice(3)).toEqual([expect.stringMatching(/^bins-[0-9a-f]+\.json$/)]);
          else expect(cold).toHaveLength(3);
          expect(roles(runs.peer.cold[0]!)).toEqual(cold);
        },
        3_600_000,
      );
    }
});
