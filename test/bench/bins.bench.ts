/**
 * `npm run bench`: `tufci event update` of a hash-bin repository (targets delegates to
 * succinct bins) at 10k targets / 256 bins / 100 changed and at 100k / 1,024 bins / 1,000
 * changed, beside the python-tuf peer (scripts/bench/python_bins_peer.py) doing the same
 * edits from disk, as whole processes run in turn. Prints medians, peak RSS, the ratio
 * tufci / python-tuf and the ratio 100k / 10k. `TUFCI_BENCH_SIZES=10000` runs one size only.
 */
import { cpus } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PYTHON, PYTHONPATH } from '../helpers/python-tuf.js';
import { git, type World } from '../helpers/world.js';
import { fmt, median, pairwise, runOnce, type Run } from './measure.js';
import { world } from './scale-world.js';

const root = new URL('../..', import.meta.url).pathname;
const CLI = join(root, 'build', 'signer-cli', 'main.js');
const PEER = join(root, 'scripts', 'bench', 'python_bins_peer.py');
const SIZES = (process.env.TUFCI_BENCH_SIZES ?? '10000,100000').split(',').map(Number);
const BINS: Record<number, number> = { 10000: 256, 100000: 1024 };
const RUNS = 5;

const results = new Map<number, { tufci: Run[]; peer: Run[]; ratios: number[] }>();
const worlds: World[] = [];

afterAll(() => {
  const lines = ['', `event update, hash bins, 1% changed (${cpus().length} cores)`];
  for (const [n, r] of results) {
    lines.push(
      `  ${n} targets / ${BINS[n] ?? 256} bins / ${n / 100} changed: tufci ${fmt(r.tufci)}; python-tuf ${fmt(r.peer)}; ratio tufci/python-tuf ${median(r.ratios).toFixed(2)}`,
    );
  }
  const small = results.get(SIZES[0]!);
  for (const n of SIZES.slice(1)) {
    const big = results.get(n);
    if (!small || !big) continue;
    const t = (x: Run[]) => median(x.map((r) => r.ms));
    lines.push(
      `  ratio ${n}/${SIZES[0]}: tufci ${(t(big.tufci) / t(small.tufci)).toFixed(1)}, python-tuf ${(t(big.peer) / t(small.peer)).toFixed(1)}`,
    );
  }
  console.log(lines.join('\n') + '\n');
  // TUFCI_BENCH_KEEP=1 keeps the repositories (to profile a command in them)
  if (process.env.TUFCI_BENCH_KEEP === '1')
    console.log(`kept: ${worlds.map((w) => w.root).join(' ')}`);
  else for (const w of worlds) w.cleanup();
});

describe('event update in a hash-bin repository, beside python-tuf', () => {
  for (const n of SIZES) {
    it(`${n} targets, ${BINS[n] ?? 256} bins, ${n / 100} changed`, async () => {
      const { w, ci } = await world(n, { bins: BINS[n] ?? 256 });
      worlds.push(w);
      const reset = () => git(ci.dir, 'checkout', '-qf', 'HEAD', '--', 'metadata');
      const r = pairwise(
        RUNS,
        () => runOnce(['node', CLI, 'event', 'update', '--no-commit'], { cwd: ci.dir, env: w.env }),
        () =>
          runOnce([PYTHON, PEER, ci.dir], {
            env: { PATH: process.env.PATH, PYTHONPATH, PYTHONDONTWRITEBYTECODE: '1' },
          }),
        reset,
      );
      results.set(n, { tufci: r.a, peer: r.b, ratios: r.ratios });
      // both rewrote bins, and neither touched targets.json
      const changed = git(ci.dir, 'status', '--porcelain', 'metadata');
      expect(changed).toMatch(/metadata\/bins-[0-9a-f]+\.json/);
      expect(changed).not.toContain('metadata/targets.json');
      reset();
    }, 1_800_000);
  }
});
