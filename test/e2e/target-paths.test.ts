/**
 * Target paths as tuf-on-ci users expect, on a real git remote: files in
 * `targets/<dir>/` with no role `<dir>` are refused with the `tufci delegate … --paths`
 * command that fixes it; running that command makes the event work; a new role's
 * default paths cover four directory levels.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { World } from '../helpers/world.js';

const FOUR = "'docs/*,docs/*/*,docs/*/*/*,docs/*/*/*/*'";

describe('files in targets/<dir>/ belong to role <dir>', () => {
  const w = new World();
  const alice = w.clone('alice');
  const bob = w.clone('bob');
  const ci = w.ci();
  beforeAll(async () => {
    await w.bootstrap([alice, bob], 1);
  }, 120_000);
  afterAll(() => w.cleanup());

  it('refuses files in a directory no role signs, naming the delegate command that fixes it', async () => {
    w.pushFiles(bob, 'sign/docs', {
      'targets/top.txt': 'top\n',
      'targets/docs/guide.txt': 'guide\n',
      'targets/docs/a/b/c/deep.txt': 'four levels below docs/\n',
    });
    w.sync(ci, 'sign/docs');
    const pushed = w.remoteRef('sign/docs');
    const r = await ci.tufci('event', 'update', '--push');
    expect(r.code).toBe(1);
    expect(r.err).toBe(
      `error: targets/docs/a/b/c/deep.txt and 1 more: no role signs files in targets/docs/ (files in targets/<dir>/ belong to the delegated role <dir>); create it with \`tufci delegate sign/docs docs --signers @alice,@bob --paths ${FOUR}\``,
    );
    // nothing was committed or pushed
    expect(w.remoteRef('sign/docs')).toBe(pushed);
    const st = await ci.tufci('status');
    expect(st.code).toBe(1);
    expect(st.err).toContain(`tufci delegate sign/docs docs --signers @alice,@bob --paths ${FOUR}`);
  });

  it('the command it names creates the role, with four levels of default paths, and the event works', async () => {
    const before = w.remoteRef('sign/docs');
    // as a shell would split the printed command
    const args = [
      'delegate',
      'sign/docs',
      'docs',
      '--signers',
      '@alice,@bob',
      '--paths',
      FOUR.slice(1, -1),
    ];
    const d = await alice.tufci(...args);
    expect(d.code, d.err).toBe(0);
    expect(w.remoteRef('sign/docs')).not.toBe(before);
    w.sync(ci, 'sign/docs');
    const up = await ci.tufci('event', 'update', '--push');
    expect(up.code, up.err).toBe(0);
    w.sync(ci, 'sign/docs');
    const docs = JSON.parse(readFileSync(join(ci.dir, 'metadata/docs.json'), 'utf8'));
    expect(Object.keys(docs.signed.targets).sort()).toEqual([
      'docs/a/b/c/deep.txt',
      'docs/guide.txt',
    ]);
    const targets = JSON.parse(readFileSync(join(ci.dir, 'metadata/targets.json'), 'utf8'));
    expect(Object.keys(targets.signed.targets)).toEqual(['top.txt']);
  });

  it('a new role without --paths gets the same four levels', async () => {
    w.sync(alice, 'main');
    const d = await alice.tufci('delegate', 'sign/app', 'app', '--signers', '@bob', '--no-sign');
    expect(d.code, d.err).toBe(0);
    w.sync(ci, 'sign/app');
    const targets = JSON.parse(readFileSync(join(ci.dir, 'metadata/targets.json'), 'utf8'));
    const app = targets.signed.delegations.roles.find((r: { name: string }) => r.name === 'app');
    expect(app.paths).toEqual(['app/*', 'app/*/*', 'app/*/*/*', 'app/*/*/*/*']);
  });
});

describe('init --top-level-dirs: files in targets/<dir>/ without a role belong to targets', () => {
  const w = new World();
  const alice = w.clone('alice');
  const ci = w.ci();
  beforeAll(async () => {
    await w.bootstrap([alice], 1, ['--top-level-dirs']);
  }, 120_000);
  afterAll(() => w.cleanup());

  it('accepts them into targets instead of refusing', async () => {
    w.pushFiles(alice, 'sign/docs', { 'targets/docs/guide.txt': 'guide\n' });
    w.sync(ci, 'sign/docs');
    const up = await ci.tufci('event', 'update', '--push');
    expect(up.code, up.err).toBe(0);
    w.sync(ci, 'sign/docs');
    const targets = JSON.parse(readFileSync(join(ci.dir, 'metadata/targets.json'), 'utf8'));
    expect(targets.signed['x-tufci-top-level-dirs']).toBe(true);
    expect(Object.keys(targets.signed.targets)).toEqual(['docs/guide.txt']);
  });
});
