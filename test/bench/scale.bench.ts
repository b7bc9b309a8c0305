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
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PYTHON, PYTHONPATH } from '../helpers/python-tuf.js';
import { World, git } from '../helpers/world.js';
import type { Clone } from '../helpers/world.js';
import { fmt, median, pairwise, runOnce } from './measure.js';
import type { Run } from './measure.js';

const root = new URL('../..', import.meta.url).pathname;
const CLI = join(root, 'build', 'signer-cli', 'main.js');
const PEER = join(root, 'scripts', 'bench', 'python_peer.py');
const SIZES = (process.env.TUFCI_BENCH_SIZES ?? '10000,100000').split(',').map(Number);
const RUNS = 5;

const fileName = (i: number): string => `d${i % 100}/artifact-${i}.bin`;
const content = (i: number, gen: number): string => `artifact ${i} generation ${gen}\n`;

function writeTargets(dir: string, indexes: Iterable<number>, gen: number): void {
  for (const i of indexes) {
    const full = join(dir, 'targets', fileName(i));
    mkdirSync(join(full, '..'), { recursive: true });
    writeFileSync(full, content(i, gen));
  }
}

function check(what: string, r: { code: number; out: string; err: string }): void {
  if (r.code !== 0) throw new Error(`${what} failed (${r.code}): ${r.err}\n${r.out}`);
}

/** A repository of `n` signed targets on main, and a CI checkout of an event changing n/100 of them. */
async function world(n: number): Promise<{ w: World; ci: Clone }> {
  const w = new World();
  const alice = w.clone('alice');
  await w.bootstrap([alice], 1);
  w.sync(alice, 'main');
  git(alice.dir, 'checkout', '-qb', 'sign/big');
  writeTargets(
    alice.dir,
    Array.from({ length: n }, (_, i) => i),
    0,
  );
  git(alice.dir, 'add', '-A', 'targets');
  git(alice.dir, 'commit', '-qm', `${n} targets`);
  git(alice.dir, 'push', '-q', 'origin', 'sign/big');
  check('event update', await w.ci('sign/big').tufci('event', 'update', '--push'));
  check('sign', await alice.tufci('sign', 'sign/big', '--yes'));
  w.merge('sign/big');
  check('online-sign', await w.ci().tufci('online-sign', '--push'));

  w.sync(alice, 'main');
  git(alice.dir, 'checkout', '-qb', 'sign/change');
  const step = 100;
  writeTargets(
    alice.dir,
    Array.from({ length: n / step }, (_, k) => k * step),
    1,
  );
  git(alice.dir, 'commit', '-qam', `${n / step} targets changed`);
  git(alice.dir, 'push', '-q', 'origin', 'sign/change');
  return { w, ci: w.ci('sign/change') };
}

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
