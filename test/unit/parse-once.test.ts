import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { GitRevReader } from '../../lib/event/base.js';
import type { Git } from '../../lib/git/git.js';
import { serialize } from '../../lib/tuf/envelope.js';
import { RepoDir } from '../../lib/tuf/repo.js';
import type { Envelope } from '../../lib/tuf/types.js';

const common = { spec_version: '1.0.31', version: 1, expires: '2030-01-01T00:00:00Z' };
const root: Envelope = {
  signed: {
    _type: 'root',
    ...common,
    consistent_snapshot: true,
    keys: {},
    roles: Object.fromEntries(
      ['root', 'targets', 'snapshot', 'timestamp'].map((r) => [r, { keyids: [], threshold: 1 }]),
    ),
  },
  signatures: [],
};
const targets = (delegated: string[]): Envelope => ({
  signed: {
    _type: 'targets',
    ...common,
    targets: {},
    delegations: {
      keys: {},
      roles: delegated.map((name) => ({
        name,
        keyids: [],
        threshold: 1,
        terminating: true,
        paths: [`${name}/*`],
      })),
    },
  },
  signatures: [],
});

describe('GitRevReader', () => {
  it('reads the metadata of a revision in one go and parses each role once', async () => {
    const shown: string[] = [];
    const git = {
      showDir: async (_rev: string, dir: string) => {
        shown.push(dir);
        return new Map([['root.json', serialize(root)]]);
      },
    } as unknown as Git;
    const base = new GitRevReader(git, 'abcdef0123456789');
    const a = await base.read('root');
    const b = await base.read('root');
    expect(a?.signed._type).toBe('root');
    expect(b).toBe(a);
    expect(await base.read('targets')).toBeUndefined();
    expect(await base.read('targets')).toBeUndefined();
    expect(shown).toEqual(['metadata']);
  });
});

describe('RepoDir.readOfflineRoles', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tufci-parse-once-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('lists root, targets and the delegated roles in delegation order, each read once', () => {
    mkdirSync(join(dir, 'metadata'));
    const repo = new RepoDir(dir);
    repo.writeRole('root', root, { history: false });
    repo.writeRole('targets', targets(['b', 'a']));
    for (const r of ['a', 'b']) repo.writeRole(r, targets([]));
    const roles = repo.readOfflineRoles();
    expect([...roles.keys()]).toEqual(['root', 'targets', 'b', 'a']);
    expect(roles.get('targets')).toEqual(targets(['b', 'a']));
  });

  it('names a delegated role whose file is missing', () => {
    writeFileSync(join(dir, 'metadata', 'targets.json'), serialize(targets(['b', 'c'])));
    expect(() => new RepoDir(dir).readOfflineRoles()).toThrow(
      'metadata/c.json: no such metadata file',
    );
  });
});
