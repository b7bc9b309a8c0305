/**
 * `npm run bench`: `tufci event update` of a flat repository (every target in targets.json)
 * at 10k targets with 100 changed and at 100k with 1,000 changed, each beside the python-tuf
 * peer (scripts/bench/python_peer.py) doing the same edits from disk, as whole processes run
 * in turn. Prints medians, peak RSS, the ratio tufci / python-tuf and the ratio 100k / 10k
 * (a linear command stays near 10). `TUFCI_BENCH_SIZES=10000` runs one size only.
 *
 * The repository is real: a bare git remote, bootstrapped and signed with the CLI, the big
 * event merged and signed online, then an event branch that changes 1% of the files.
 */
import { cpus } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PYTHON, PYTHONPATH } from '../helpers/python-tuf.js';
import { World, git } from '../helpers/world.js';
import { fmt, median, pairwise, runOnce } from './measure.js';
import { world } from './scale-world.js';
import type { Run } from './measure.js';

const root = new URL('../..', import.meta.url).pathname;
const CLI = join(root, 'build', 'signer-cli', 'main.js');
const PEER = join(root, 'scripts', 'bench', 'python_peer.py');
const SIZES = (process.env.TUFCI_BENCH_SIZES ?? '10000,100000').split(',').map(Number);
const RUNS = 5;

const results = new Map<number, { tufci: Run[]; peer: Run[]; ratios: number[] }>();
const worlds: World[] = [];

afterAll(() => {
  const lines = ['', `event update, flat layout, 1% changed (${cpus().length} cores)`];
  for (const [n, r] of results) {
    lines.push(
      `  ${n} targets / ${n / 100} changed: tufci ${fmt(r.tufci)}; python-tuf ${fmt(r.peer)}; ratio tufci/python-tuf ${median(r.ratios).toFixed(2)}`,
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

describe('event update at scale, beside python-tuf', () => {
  for (const n of SIZES) {
    it(`${n} targets, ${n / 100} changed`, async () => {
      const { w, ci } = await world(n);
      worlds.push(w);
      const env = w.env;
      const reset = () => git(ci.dir, 'checkout', '-qf', 'HEAD', '--', 'metadata');
      const r = pairwise(
        RUNS,
        () => runOnce(['node', CLI, 'event', 'update', '--no-commit'], { cwd: ci.dir, env }),
        () =>
          runOnce([PYTHON, PEER, ci.dir], {
            env: { PATH: process.env.PATH, PYTHONPATH, PYTHONDONTWRITEBYTECODE: '1' },
          }),
        reset,
      );
      results.set(n, { tufci: r.a, peer: r.b, ratios: r.ratios });
      // both really changed targets.json
      expect(git(ci.dir, 'status', '--porcelain', 'metadata')).toContain('metadata/targets.json');
      reset();
    });
  }
});
