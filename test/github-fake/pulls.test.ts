import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { assertNoViolations } from '../helpers/github-fake/index.js';
import { failsWith, START, startHarness, type Harness } from './client.js';

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.fake.stop();
});

async function createDraft(head: string) {
  const { owner, repo } = h;
  const res = await h.octokit.rest.pulls.create({
    owner,
    repo,
    head,
    base: 'main',
    title: `Signing event ${head}`,
    body: 'Please sign',
    draft: true,
  });
  return res.data;
}

describe('pull requests', () => {
  test('a PR created as draft is a draft, for the API and in the state', async () => {
    const pr = await createDraft('sign/2024-05');
    expect(pr).toMatchObject({
      number: 1,
      draft: true,
      state: 'open',
      merged: false,
      title: 'Signing event sign/2024-05',
      body: 'Please sign',
      head: { ref: 'sign/2024-05', label: `${h.owner}:sign/2024-05` },
      base: { ref: 'main' },
      user: { login: 'github-actions[bot]', type: 'Bot' },
      created_at: START,
    });
    expect(pr.node_id).toMatch(/^PR_/);
    expect(h.fake.state.pullRequests).toMatchObject([
      {
        number: 1,
        head: 'sign/2024-05',
        base: 'main',
        draft: true,
        state: 'open',
        nodeId: pr.node_id,
      },
    ]);
    assertNoViolations(h.fake);
  });

  test('list filters by head (owner:branch), base and state', async () => {
    await createDraft('sign/a');
    await createDraft('sign/b');
    const { owner, repo } = h;
    const byHead = await h.octokit.rest.pulls.list({ owner, repo, head: `${owner}:sign/b` });
    expect(byHead.data.map((p) => p.head.ref)).toEqual(['sign/b']);
    const otherOwner = await h.octokit.rest.pulls.list({ owner, repo, head: 'someone:sign/b' });
    expect(otherOwner.data).toEqual([]);
    const otherBase = await h.octokit.rest.pulls.list({ owner, repo, base: 'develop' });
    expect(otherBase.data).toEqual([]);

    h.fake.merge(1);
    const open = await h.octokit.rest.pulls.list({ owner, repo });
    expect(open.data.map((p) => p.number)).toEqual([2]);
    const closed = await h.octokit.rest.pulls.list({ owner, repo, state: 'closed' });
    expect(closed.data.map((p) => [p.number, p.state, p.merged_at])).toEqual([
      [1, 'closed', START],
    ]);
    // Like GitHub, the list shape has no `merged` field; the single PR has it.
    expect(closed.data[0]).not.toHaveProperty('merged');
    const one = await h.octokit.rest.pulls.get({ owner, repo, pull_number: 1 });
    expect(one.data).toMatchObject({ merged: true, state: 'closed', merged_by: { login: owner } });
    assertNoViolations(h.fake);
  });

  test('a second open PR for the same head gets GitHub’s 422', async () => {
    await createDraft('sign/dup');
    const error = await failsWith(createDraft('sign/dup'), 422);
    expect(JSON.stringify(error.response?.data)).toContain(
      `A pull request already exists for ${h.owner}:sign/dup.`,
    );
    expect(h.fake.state.pullRequests).toHaveLength(1);
    assertNoViolations(h.fake);
  });

  test('a PR from a branch that does not exist is refused', async () => {
    await h.fake.stop();
    h = await startHarness({ branchSha: (ref) => (ref === 'main' ? 'a'.repeat(40) : undefined) });
    const error = await failsWith(createDraft('sign/missing'), 422);
    expect(error.response?.data).toMatchObject({ errors: [{ field: 'head', code: 'invalid' }] });
    expect(h.fake.state.pullRequests).toEqual([]);
    assertNoViolations(h.fake);
  });

  test('update changes title and body, and closing keeps it unmerged', async () => {
    await createDraft('sign/edit');
    h.advance(60);
    const { owner, repo } = h;
    const res = await h.octokit.rest.pulls.update({
      owner,
      repo,
      pull_number: 1,
      title: 'New title',
      body: 'New body',
      state: 'closed',
    });
    expect(res.data).toMatchObject({
      title: 'New title',
      body: 'New body',
      state: 'closed',
      merged: false,
      updated_at: '2024-05-01T12:01:00Z',
      closed_at: '2024-05-01T12:01:00Z',
    });
    expect(h.fake.state.pullRequests[0]?.state).toBe('closed');
    h.fake.reopenPr(1);
    expect(h.fake.state.pullRequests[0]?.state).toBe('open');
    assertNoViolations(h.fake);
  });

  test('a PR is also an issue: labels and comments use the issues API', async () => {
    const pr = await createDraft('sign/labels');
    const { owner, repo } = h;
    await h.octokit.rest.issues.update({
      owner,
      repo,
      issue_number: pr.number,
      labels: ['signing'],
    });
    const issues = await h.octokit.rest.issues.listForRepo({ owner, repo, labels: 'signing' });
    expect(issues.data).toHaveLength(1);
    expect(issues.data[0]?.pull_request?.url).toBe(pr.url);
    const again = await h.octokit.rest.pulls.get({ owner, repo, pull_number: pr.number });
    expect(again.data.labels.map((l) => l.name)).toEqual(['signing']);
    assertNoViolations(h.fake);
  });
});
