import { afterEach, beforeEach, expect, test } from 'vitest';
import { assertNoViolations } from '../helpers/github-fake/index.js';
import { failsWith, START, startHarness, type Harness } from './client.js';

let h: Harness;
beforeEach(async () => {
  h = await startHarness({ tokens: { 'alice-token': 'alice' } });
  await h.octokit.rest.pulls.create({
    owner: h.owner,
    repo: h.repo,
    head: 'sign/x',
    base: 'main',
    title: 'Sign',
  });
});
afterEach(async () => {
  await h.fake.stop();
});

test('a comment is edited in place: same id, new body, later updated_at', async () => {
  const { owner, repo } = h;
  const created = await h.octokit.rest.issues.createComment({
    owner,
    repo,
    issue_number: 1,
    body: 'status: 0/2 signed',
  });
  expect(created.status).toBe(201);
  expect(created.data).toMatchObject({
    body: 'status: 0/2 signed',
    created_at: START,
    updated_at: START,
  });
  expect(created.data.html_url).toBe(
    `https://github.com/${owner}/${repo}/pull/1#issuecomment-${created.data.id}`,
  );

  h.advance(300);
  const edited = await h.octokit.rest.issues.updateComment({
    owner,
    repo,
    comment_id: created.data.id,
    body: 'status: 1/2 signed',
  });
  expect(edited.data).toMatchObject({
    id: created.data.id,
    body: 'status: 1/2 signed',
    created_at: START,
    updated_at: '2024-05-01T12:05:00Z',
  });
  const listed = await h.octokit.rest.issues.listComments({ owner, repo, issue_number: 1 });
  expect(listed.data.map((c) => c.body)).toEqual(['status: 1/2 signed']);
  expect(h.fake.state.commentsOn(1)).toMatchObject([
    { id: created.data.id, body: 'status: 1/2 signed' },
  ]);
  assertNoViolations(h.fake);
});

test('comments paginate with Link headers, and octokit.paginate reads them all in order', async () => {
  for (let i = 1; i <= 65; i++) h.fake.comment(1, `comment ${i}`, 'alice');
  const { owner, repo } = h;
  const first = await h.octokit.rest.issues.listComments({
    owner,
    repo,
    issue_number: 1,
    per_page: 30,
  });
  expect(first.data).toHaveLength(30);
  expect(first.headers.link).toContain('page=2>; rel="next"');
  expect(first.headers.link).toContain('page=3>; rel="last"');

  const before = h.fake.requests.length;
  const all = await h.octokit.paginate(h.octokit.rest.issues.listComments, {
    owner,
    repo,
    issue_number: 1,
    per_page: 30,
  });
  expect(all.map((c) => c.body)).toEqual(Array.from({ length: 65 }, (_, i) => `comment ${i + 1}`));
  expect(h.fake.requests.slice(before).map((r) => r.query.page ?? '1')).toEqual(['1', '2', '3']);
  expect(all[0]?.user?.login).toBe('alice');
  assertNoViolations(h.fake);
});

test('the token decides who comments', async () => {
  const { getOctokit } = await import('@actions/github');
  const alice = getOctokit('alice-token', { baseUrl: h.fake.url });
  const res = await alice.rest.issues.createComment({
    owner: h.owner,
    repo: h.repo,
    issue_number: 1,
    body: 'signed',
  });
  expect(res.data.user?.login).toBe('alice');
  expect(res.data.author_association).toBe('COLLABORATOR');
  expect(h.fake.state.comments.map((c) => c.user)).toEqual(['alice']);
  assertNoViolations(h.fake);
});

test('comments on a missing issue, or editing a missing comment, are 404', async () => {
  const { owner, repo } = h;
  await failsWith(
    h.octokit.rest.issues.createComment({ owner, repo, issue_number: 99, body: 'x' }),
    404,
  );
  await failsWith(
    h.octokit.rest.issues.updateComment({ owner, repo, comment_id: 12345, body: 'x' }),
    404,
  );
  expect(h.fake.state.comments).toEqual([]);
  assertNoViolations(h.fake);
});
