/**
 * The signing-event action on a push to the default branch: every open event takes the
 * default branch in (tufci event update's catch-up), its PR comment says it must be
 * signed again, and an event already merged is left alone.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertNoViolations } from '../helpers/github-fake/index.js';
import type { GitHubFake } from '../helpers/github-fake/index.js';
import { World, git } from '../helpers/world.js';
import { fakeFor, pushAction } from './support.js';

describe('signing-event action: the default branch moves under open events', () => {
  const w = new World();
  const alice = w.clone('alice');
  let fake: GitHubFake;

  beforeAll(async () => {
    fake = await fakeFor(w);
    await w.bootstrap([alice], 1);
  }, 60_000);
  afterAll(async () => {
    await fake.stop();
    w.cleanup();
  });

  const targetsOn = (branch: string): { version: number; targets: Record<string, unknown> } =>
    JSON.parse(git(w.remote, 'show', `${branch}:metadata/targets.json`)).signed;

  it('a push to main merges main into the open event and asks for signatures again', async () => {
    for (const [event, file] of [
      ['sign/a', 'a.txt'],
      ['sign/b', 'b.txt'],
    ] as const) {
      w.pushFiles(alice, event, { [`targets/${file}`]: `${file}\n` });
      const run = await pushAction(w, fake, 'signing-event', event);
      expect(run.code).toBe(0);
      expect((await alice.tufci('sign', event, '--yes')).code).toBe(0);
      const again = await pushAction(w, fake, 'signing-event', event);
      expect(again.outputs.complete).toBe('true');
    }
    w.merge('sign/a');
    const before = w.remoteRef('sign/a');
    const run = await pushAction(w, fake, 'signing-event', 'main');
    expect(run.stdout).not.toContain('::error::');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Took in origin/main');
    expect(run.stdout).toContain('Signing event sign/b waiting for signatures.');
    expect(run.outputs.complete).toBe('false');
    // the merged event is not touched
    expect(w.remoteRef('sign/a')).toBe(before);
    expect(git(w.remote, 'merge-base', '--is-ancestor', 'main', 'sign/b')).toBe('');
    const t = targetsOn('sign/b');
    expect(Object.keys(t.targets).sort()).toEqual(['a.txt', 'b.txt']);
    expect(t.version).toBe(targetsOn('main').version + 1);

    expect((await alice.tufci('sign', 'sign/b', '--yes')).code).toBe(0);
    const signed = await pushAction(w, fake, 'signing-event', 'sign/b');
    expect(signed.outputs.complete).toBe('true');
    w.merge('sign/b');
    expect(Object.keys(targetsOn('main').targets).sort()).toEqual(['a.txt', 'b.txt']);
    const idle = await pushAction(w, fake, 'signing-event', 'main');
    expect(idle.code).toBe(0);
    expect(idle.stdout).toContain('No open signing event to bring up to date with main.');
    assertNoViolations(fake);
  });
});
