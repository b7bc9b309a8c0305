import { chmodSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getOctokit } from '@actions/github';
import { assertNoViolations } from '../helpers/github-fake/index.js';
import type { GitHubFake } from '../helpers/github-fake/index.js';
import { runAction } from '../helpers/run-action.js';
import { World, git } from '../helpers/world.js';

import { OWNER, REPO, fakeFor, pushAction } from './support.js';

describe('actions: the cases users hit', () => {
  const w = new World();
  const alice = w.clone('alice');
  let fake: GitHubFake;

  beforeAll(async () => {
    fake = await fakeFor(w);
    expect((await alice.tufci('init', '--online-key', w.onlinePub)).code).toBe(0);
    git(w.remote, 'branch', 'sign/gone', 'sign/init');
  });
  afterAll(async () => {
    await fake.stop();
    w.cleanup();
  });

  const action = (
    name: string,
    branch: string,
    inputs: Record<string, string> = {},
    workspace?: string,
  ) => pushAction(w, fake, name, branch, inputs, workspace);

  it('uses the oldest PR when two are open for one branch, and warns', async () => {
    const octo = getOctokit('ghs_test-token', { baseUrl: fake.url });
    git(w.remote, 'branch', 'develop', 'main');
    const first = await action('signing-event', 'sign/init');
    expect(first.code).toBe(0);
    const pr = Number(first.outputs['pr-number']);
    const other = await octo.rest.pulls.create({
      owner: OWNER,
      repo: REPO,
      head: 'sign/init',
      base: 'develop',
      title: 'by hand',
    });
    expect(other.data.number).toBeGreaterThan(pr);
    const second = await action('signing-event', 'sign/init');
    expect(second.code).toBe(0);
    expect(second.outputs['pr-number']).toBe(String(pr));
    expect(second.stdout).toContain(
      `::warning::2 open pull requests for sign/init; updating the oldest, #${pr}`,
    );
    expect(fake.state.commentsOn(other.data.number)).toHaveLength(0);
    assertNoViolations(fake);
  });

  it('does nothing when the branch was deleted before or during the run', async () => {
    const ws = w.ci('sign/init').dir;
    git(w.remote, 'branch', '-D', 'sign/init');
    const before = fake.state.pullRequests.length;
    const run = await action('signing-event', 'sign/init', {}, ws);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('::notice::Branch sign/init no longer exists; nothing to do.');
    expect(fake.state.pullRequests.length).toBe(before);
  });

  it('does nothing when the branch is deleted while the action pushes to it', async () => {
    w.pushFiles(alice, 'sign/gone', { 'targets/gone.txt': 'soon gone\n' });
    const ws = w.ci('sign/gone').dir;
    // the remote deletes the branch and refuses the push: someone deleted it mid-run
    const hook = join(w.remote, 'hooks', 'pre-receive');
    writeFileSync(
      hook,
      '#!/bin/sh\nenv -u GIT_QUARANTINE_PATH git update-ref -d refs/heads/sign/gone\necho "branch deleted" >&2\nexit 1\n',
    );
    chmodSync(hook, 0o755);
    try {
      const before = fake.state.pullRequests.length;
      const run = await action('signing-event', 'sign/gone', {}, ws);
      expect(run.stdout).toContain('Committed new metadata for targets.');
      expect(run.code).toBe(0);
      expect(run.stdout).toContain(
        '::notice::Branch sign/gone was deleted during the run; nothing to do.',
      );
      expect(fake.state.pullRequests.length).toBe(before);
    } finally {
      rmSync(hook);
    }
  });

  it('refuses a branch that is not a signing event, with one clear failure', async () => {
    const run = await action('signing-event', 'develop');
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(
      '::error::branch develop is not a signing event (sign/*) nor main',
    );
  });

  it('opens, comments on and closes one failure issue for a scheduled workflow', async () => {
    const ws = w.ci().dir;
    const fail1 = await action('update-issue', 'main', { success: 'false' }, ws);
    const n = fail1.outputs['issue-number'];
    expect(n).toBeTruthy();
    const fail2 = await action('update-issue', 'main', { success: 'false' }, ws);
    expect(fail2.outputs['issue-number']).toBe(n);
    const issue = () => fake.state.items.get(Number(n)) as { state: string; title: string };
    expect(issue().state).toBe('open');
    expect(issue().title).toBe('Scheduled workflow "test-workflow" is failing');
    expect(fake.state.commentsOn(Number(n)).map((c) => c.body)).toEqual([
      'Failed again: https://github.com/tufci-test/repository/actions/runs/1234',
    ]);
    const ok = await action('update-issue', 'main', { success: 'true' }, ws);
    expect(ok.outputs['issue-number']).toBe(n);
    expect(issue().state).toBe('closed');
    const quiet = await action('update-issue', 'main', { success: 'true' }, ws);
    expect(quiet.stdout).toContain('no open failure issue');
    assertNoViolations(fake);
  });
});

describe('create-signing-events action', () => {
  const w = new World();
  const alice = w.clone('alice');
  let fake: GitHubFake;
  beforeAll(async () => {
    fake = await fakeFor(w);
    const init = await alice.tufci(
      'init',
      '--online-key',
      w.onlinePub,
      '--root-expiry',
      '30',
      '--root-signing',
      '30',
    );
    expect(init.code).toBe(0);
    w.merge('sign/init');
  });
  afterAll(async () => {
    await fake.stop();
    w.cleanup();
  });

  it('opens a bump branch for a role in its signing period, dispatches its workflow, and skips it next time', async () => {
    const run = () =>
      runAction('create-signing-events', {
        workspace: w.ci().dir,
        apiUrl: fake.url,
        repository: `${OWNER}/${REPO}`,
        ref: 'refs/heads/main',
        eventName: 'schedule',
        payload: { schedule: '43 3 * * *' },
        inputs: { token: 'ghs_test-token' },
        env: w.env,
      });
    const first = await run();
    expect(first.code, first.stdout).toBe(0);
    expect(first.outputs.branches).toBe('sign/bump-root-v2');
    expect(git(w.remote, 'branch', '--list', 'sign/*').trim()).toContain('sign/bump-root-v2');
    expect(fake.state.workflowDispatches.map((d) => [d.workflowId, d.ref])).toEqual([
      ['signing-event.yml', 'sign/bump-root-v2'],
    ]);
    const second = await run();
    expect(second.outputs.branches).toBe('');
    expect(second.stdout).toContain('sign/bump-root-v2 already exists, skipped');
    expect(fake.state.workflowDispatches).toHaveLength(1);
    assertNoViolations(fake);
  });
});
