/**
 * `npm run bench`: memory of the commands that read target bytes, on a repository whose
 * targets are large (4 files of `TUFCI_BENCH_BIG_MIB` MiB each, 128 by default). `tufci
 * event update` (hashes every file) beside `sha256sum` of the same files, and `tufci
 * publish --to dir:` (copies them) beside `cp -r`, as whole processes in turn. Prints
 * medians, peak RSS, the time ratio to the peer, and peak RSS as a share of the target
 * bytes: streaming keeps it flat (a command that read whole files would need at least the
 * largest file's size).
 */
import { cpus } from 'node:os';
import { mkdirSync, openSync, closeSync, writeSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { World, git } from '../helpers/world.js';
import { fmt, median, pairwise, runOnce } from './measure.js';

const root = new URL('../..', import.meta.url).pathname;
const CLI = join(root, 'build', 'signer-cli', 'main.js');
const MIB = Number(process.env.TUFCI_BENCH_BIG_MIB ?? 128);
const FILES = 4;
const RUNS = 3;

function writeBig(path: string, mib: number): void {
  mkdirSync(join(path, '..'), { recursive: true });
  const fd = openSync(path, 'w');
  const chunk = randomBytes(1 << 20);
  for (let i = 0; i < mib; i++) writeSync(fd, chunk);
  closeSync(fd);
}

describe(`streaming: ${FILES} targets of ${MIB} MiB (${cpus().length} cores)`, () => {
  const w = new World();
  afterAll(() => w.cleanup());

  it('event update and publish stay flat in memory', async () => {
    const alice = w.clone('alice');
    await w.bootstrap([alice], 1);
    w.sync(alice, 'sign/big');
    const names = Array.from({ length: FILES }, (_, i) => `big/file-${i}.bin`);
    for (const n of names) writeBig(join(alice.dir, 'targets', n), MIB);
    git(alice.dir, 'add', '-A', 'targets');
    git(alice.dir, 'commit', '-qm', 'big targets');
    git(alice.dir, 'push', '-q', 'origin', 'sign/big');
    const ci = w.ci('sign/big');
    const env = { ...w.env, PATH: process.env.PATH };
    const total = FILES * MIB;

    const update = pairwise(
      RUNS,
      () => runOnce([process.execPath, CLI, 'event', 'update'], { cwd: ci.dir, env }),
      () => runOnce(['sha256sum', ...names.map((n) => join('targets', n))], { cwd: ci.dir, env }),
      () => void git(ci.dir, 'reset', '-q', '--hard', 'origin/sign/big'),
    );
    expect((await ci.tufci('event', 'update', '--push')).code).toBe(0);
    expect((await alice.tufci('sign', 'sign/big', '--yes')).code).toBe(0);
    w.merge('sign/big');
    const main = w.ci();
    expect((await main.tufci('online-sign', '--push')).code).toBe(0);
    const site = join(w.root, 'site');
    const copy = join(w.root, 'copy');
    const publish = pairwise(
      RUNS,
      () =>
        runOnce([process.execPath, CLI, 'publish', '--to', `dir:${site}`], { cwd: main.dir, env }),
      () => runOnce(['cp', '-r', join(main.dir, 'targets'), copy], { env }),
      () => {
        rmSync(site, { recursive: true, force: true });
        rmSync(copy, { recursive: true, force: true });
      },
    );

    const line = (what: string, r: typeof update, peer: string): string => {
      const rss = median(r.a.map((x) => x.rssMiB));
      return `${what}: tufci ${fmt(r.a)}; ${peer} ${fmt(r.b)}; time ratio ${median(r.ratios).toFixed(2)}; peak RSS ${((rss / total) * 100).toFixed(1)}% of the ${total} MiB of targets`;
    };
    console.log(line('event update', update, 'sha256sum'));
    console.log(line('publish --to dir:', publish, 'cp -r'));
    // memory does not grow with the bytes: well under one file's size
    expect(median(update.a.map((x) => x.rssMiB))).toBeLessThan(MIB);
    expect(median(publish.a.map((x) => x.rssMiB))).toBeLessThan(MIB);
  });
});
