import { afterEach, beforeEach, expect, test } from 'vitest';
import { assertNoViolations } from '../helpers/github-fake/index.js';
import { failsWith, START, startHarness, type Harness } from './client.js';

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.fake.stop();
});

test('open an issue with labels, find it by label, close it', async () => {
  const { owner, repo } = h;
  const created = await h.octokit.rest.issues.create({
    owner,
    repo,
    title: 'Root key expires soon',
    body: 'Rotate it',
    labels: ['expiry', { name: 'tufci' }],
  });
  expect(created.status).toBe(201);
  expect(created.data).toMatchObject({ number: 1, state: 'open', created_at: START });
  expect(created.data.labels.map((l) => (typeof l === 'string' ? l : l.name))).toEqual([
    'expiry',
    'tufci',
  ]);

  await h.octokit.rest.issues.create({ owner, repo, title: 'Unrelated' });
  const byLabel = await h.octokit.rest.issues.listForRepo({ owner, repo, labels: 'expiry,TUFCI' });
  expect(byLabel.data.map((i) => i.number)).toEqual([1]);

  h.advance(3600);
  const closed = await h.octokit.rest.issues.update({
    owner,
    repo,
    issue_number: 1,
    state: 'closed',
  });
  expect(closed.data).toMatchObject({
    state: 'closed',
    state_reason: 'completed',
    closed_at: '2024-05-01T13:00:00Z',
  });

  const open = await h.octokit.rest.issues.listForRepo({ owner, repo });
  expect(open.data.map((i) => i.title)).toEqual(['Unrelated']);
  const all = await h.octokit.rest.issues.listForRepo({
    owner,
    repo,
    state: 'all',
    direction: 'asc',
  });
  expect(all.data.map((i) => [i.number, i.state])).toEqual([
    [1, 'closed'],
    [2, 'open'],
  ]);
  expect(h.fake.state.issues.map((i) => [i.title, i.state, i.labels])).toEqual([
    ['Root key expires soon', 'closed', ['expiry', 'tufci']],
    ['Unrelated', 'open', []],
  ]);
  assertNoViolations(h.fake);
});

test('labels are replaced by update and reopening an issue clears closed_at', async () => {
  const { owner, repo } = h;
  await h.octokit.rest.issues.create({ owner, repo, title: 'x', labels: ['a'] });
  h.fake.closeIssue(1);
  const res = await h.octokit.rest.issues.update({
    owner,
    repo,
    issue_number: 1,
    state: 'open',
    labels: ['b'],
  });
  expect(res.data).toMatchObject({ state: 'open', state_reason: 'reopened', closed_at: null });
  expect(res.data.labels.map((l) => (typeof l === 'string' ? l : l.name))).toEqual(['b']);
  const got = await h.octokit.rest.issues.get({ owner, repo, issue_number: 1 });
  expect(got.data.state).toBe('open');
  assertNoViolations(h.fake);
});

test('issue list includes pull requests, marked with pull_request, and issues share their numbers', async () => {
  const { owner, repo } = h;
  await h.octokit.rest.issues.create({ owner, repo, title: 'issue' });
  await h.octokit.rest.pulls.create({ owner, repo, head: 'sign/y', base: 'main', title: 'pr' });
  const list = await h.octokit.rest.issues.listForRepo({ owner, repo, direction: 'asc' });
  expect(list.data.map((i) => [i.number, i.title, i.pull_request !== undefined])).toEqual([
    [1, 'issue', false],
    [2, 'pr', true],
  ]);
  assertNoViolations(h.fake);
});

test('an issue without a title is refused and nothing is created', async () => {
  const { owner, repo } = h;
  await failsWith(h.octokit.rest.issues.create({ owner, repo, title: ' ' }), 422);
  await failsWith(h.octokit.rest.issues.get({ owner, repo, issue_number: 7 }), 404);
  await failsWith(h.octokit.rest.issues.get({ owner: 'other', repo, issue_number: 1 }), 404);
  expect(h.fake.state.issues).toEqual([]);
  assertNoViolations(h.fake);
});
