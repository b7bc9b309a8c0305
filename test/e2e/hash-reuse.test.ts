/**
 * An event re-hashes only the files it changes: files git reports unchanged since the
 * known-good state keep the length and sha256 the default branch already signed, while
 * changed, added and locally modified files are read again. The result is the metadata a
 * full re-hash gives. Real git remotes; the hashing function is counted, not replaced.
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { eventUpdateTask } from '../../lib/ci/tasks.js';
import { World } from '../helpers/world.js';

const hashed = vi.hoisted(() => [] as string[]);
vi.mock('../../lib/util/file-content.js', async (load) => {
  const real = await load<typeof import('../../lib/util/file-content.js')>();
  return {
    ...real,
    hashFile: (path: string) => {
      hashed.push(path);
      return real.hashFile(path);
    },
  };
});

const sha256 = (b: string): string => createHash('sha256').update(b).digest('hex');
const FILES = Object.fromEntries(
  Array.from({ length: 20 }, (_, i) => [`targets/file-${i}.txt`, `content ${i}\n`]),
);

describe('event update re-hashes only changed files', () => {
  const w = new World();
  const alice = w.clone('alice', '@alice', 'ed25519');

  beforeAll(async () => {
    await w.bootstrap([alice], 1);
    w.pushFiles(alice, 'sign/first', FILES);
    const ci = w.ci('sign/first');
    await eventUpdateTask(
      { dir: ci.dir, env: w.env, now: new Date(), log: () => {} },
      { push: true },
    );
    expect((await alice.tufci('sign', 'sign/first', '--yes')).code).toBe(0);
    w.merge('sign/first');
    expect((await w.ci().tufci('online-sign', '--push')).code).toBe(0);
  }, 120_000);
  afterAll(() => w.cleanup());
  beforeEach(() => {
    hashed.length = 0;
  });

  it('hashes the changed and the added file, and none of the 19 others', async () => {
    w.pushFiles(alice, 'sign/second', {
      'targets/file-3.txt': 'changed\n',
      'targets/new.txt': 'new\n',
      'targets/file-7.txt': null,
    });
    const ci = w.ci('sign/second');
    // a file changed in the work tree but not committed is read again too
    writeFileSync(join(ci.dir, 'targets/file-5.txt'), 'local edit\n');
    await eventUpdateTask(
      { dir: ci.dir, env: w.env, now: new Date(), log: () => {} },
      { commit: false },
    );
    expect(hashed.map((p) => p.slice(ci.dir.length + 1)).sort()).toEqual([
      'targets/file-3.txt',
      'targets/file-5.txt',
      'targets/new.txt',
    ]);
    const targets = JSON.parse(readFileSync(join(ci.dir, 'metadata/targets.json'), 'utf8')).signed
      .targets as Record<string, { length: number; hashes: { sha256: string } }>;
    const expected: Record<string, string> = {
      ...Object.fromEntries(Object.entries(FILES).map(([p, c]) => [p.slice(8), c])),
      'file-3.txt': 'changed\n',
      'file-5.txt': 'local edit\n',
      'new.txt': 'new\n',
    };
    delete expected['file-7.txt'];
    expect(Object.keys(targets).sort()).toEqual(Object.keys(expected).sort());
    for (const [p, c] of Object.entries(expected))
      expect(targets[p], p).toEqual({ length: c.length, hashes: { sha256: sha256(c) } });
  });
});
