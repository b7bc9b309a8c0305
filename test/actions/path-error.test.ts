/**
 * In CI, a path error reaches the PR: the signing-event action (the built bundle, run as
 * the runner does, against the GitHub fake) that cannot update an event because files in
 * targets/<dir>/ have no role fails, and the status comment carries the error with the
 * `tufci delegate` command that fixes it; after the fix the same comment shows the status.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertNoViolations } from '../helpers/github-fake/index.js';
import type { GitHubFake } from '../helpers/github-fake/index.js';
import { World } from '../helpers/world.js';

import { fakeFor, pushAction } from './support.js';

describe('signing-event action: path errors reach the PR comment', () => {
  const w = new World();
  const alice = w.clone('alice');
  let fake: GitHubFake;
  beforeAll(async () => {
    fake = await fakeFor(w);
    await w.bootstrap([alice], 1);
  }, 120_000);
  afterAll(async () => {
    await fake.stop();
    w.cleanup();
  });

  const statusComments = (pr: number) =>
    fake.state.commentsOn(pr).filter((c) => c.body.includes('<!-- tufci-signing-event-status -->'));
  const command =
    "tufci delegate sign/docs docs --signers @alice --paths 'docs/*,docs/*/*,docs/*/*/*,docs/*/*/*/*'";

  it('fails, and the PR comment names the file and the command that fixes it', async () => {
    w.pushFiles(alice, 'sign/docs', { 'targets/docs/guide.txt': 'guide\n' });
    const run = await pushAction(w, fake, 'signing-event', 'sign/docs');
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(
      '::error::targets/docs/guide.txt: no role signs files in targets/docs/',
    );
    const pr = Number(run.outputs['pr-number']);
    expect(pr).toBeGreaterThan(0);
    const comments = statusComments(pr);
    expect(comments).toHaveLength(1);
    expect(comments[0]!.body).toContain(
      '### Signing event `sign/docs`: ❌ CI cannot update this event',
    );
    expect(comments[0]!.body).toContain(
      `targets/docs/guide.txt: no role signs files in targets/docs/ (files in targets/<dir>/ belong to the delegated role <dir>); create it with \`${command}\``,
    );
    expect((fake.state.items.get(pr) as { draft: boolean }).draft).toBe(true);
    assertNoViolations(fake);
  });

  it('after the fix, the same comment shows the status', async () => {
    w.sync(alice, 'main');
    const d = await alice.tufci(...command.replace(/'/g, '').split(' ').slice(1), '--no-sign');
    expect(d.code, d.err).toBe(0);
    const run = await pushAction(w, fake, 'signing-event', 'sign/docs');
    expect(run.code, run.stdout).toBe(0);
    const pr = Number(run.outputs['pr-number']);
    const comments = statusComments(pr);
    expect(comments).toHaveLength(1);
    expect(comments[0]!.body).not.toContain('CI cannot update');
    expect(comments[0]!.body).toContain('### Signing event `sign/docs`: ⏳ waiting for signatures');
    assertNoViolations(fake);
  });
});
