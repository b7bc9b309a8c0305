/**
 * The repository the scale benchmarks run in: a bare git remote, bootstrapped and signed
 * with the CLI, `n` targets merged and signed online on main, then an event branch
 * `sign/change` that changes 1% of the files (not yet updated by CI).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { World, git } from '../helpers/world.js';
import type { Clone } from '../helpers/world.js';

const fileName = (i: number): string => `d${i % 100}/artifact-${i}.bin`;
const content = (i: number, gen: number): string => `artifact ${i} generation ${gen}\n`;

function writeTargets(dir: string, indexes: Iterable<number>, gen: number): void {
  for (const i of indexes) {
    const full = join(dir, 'targets', fileName(i));
    mkdirSync(join(full, '..'), { recursive: true });
    writeFileSync(full, content(i, gen));
  }
}

export function check(what: string, r: { code: number; out: string; err: string }): void {
  if (r.code !== 0) throw new Error(`${what} failed (${r.code}): ${r.err}\n${r.out}`);
}

/**
 * A repository of `n` signed targets on main, and a CI checkout of an event changing n/100
 * of them. With `bins`, targets first delegates to that many hash bins (signed by alice).
 */
export async function world(
  n: number,
  o: { bins?: number } = {},
): Promise<{ w: World; ci: Clone; alice: Clone }> {
  const w = new World();
  const alice = w.clone('alice');
  await w.bootstrap([alice], 1);
  if (o.bins) {
    w.sync(alice, 'main');
    const bins = ['targets', '--bins', String(o.bins), '--signers', alice.user];
    check('delegate --bins', await alice.tufci('delegate', 'sign/bins', ...bins));
    w.merge('sign/bins');
    check('online-sign', await w.ci().tufci('online-sign', '--push'));
  }
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
  return { w, ci: w.ci('sign/change'), alice };
}
