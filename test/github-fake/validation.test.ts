// The validation must bite: each request here breaks GitHub's description in one way.

import { afterEach, beforeEach, expect, test } from 'vitest';
import { assertNoViolations } from '../helpers/github-fake/index.js';
import { failsWith, startHarness, type Harness } from './client.js';

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.fake.stop();
});

const PULLS = 'POST /repos/{owner}/{repo}/pulls';
const PULL = 'PATCH /repos/{owner}/{repo}/pulls/{pull_number}';

async function openPr() {
  await h.octokit.rest.pulls.create({
    owner: h.owner,
    repo: h.repo,
    head: 'sign/x',
    base: 'main',
    title: 'x',
  });
}

test('a pull request created without head is a violation, answered 422, and creates nothing', async () => {
  const error = await failsWith(
    h.octokit.request(PULLS, { owner: h.owner, repo: h.repo, base: 'main', title: 'x' } as never),
    422,
  );
  expect(error.response?.data).toMatchObject({
    message: expect.stringContaining('"head" wasn\'t supplied') as string,
  });
  expect(h.fake.violations).toEqual([
    {
      kind: 'request',
      method: 'POST',
      path: `/repos/${h.owner}/${h.repo}/pulls`,
      message: expect.stringContaining('"head" wasn\'t supplied') as string,
    },
  ]);
  expect(h.fake.state.pullRequests).toEqual([]);
  expect(() => assertNoViolations(h.fake)).toThrow(
    /1 violation.*\n- \[request\] POST .*"head" wasn't supplied/,
  );
});

test('a PATCH with a wrong-typed field is a violation and changes nothing', async () => {
  await openPr();
  await failsWith(
    h.octokit.request(PULL, {
      owner: h.owner,
      repo: h.repo,
      pull_number: 1,
      title: 42 as unknown as string,
    }),
    422,
  );
  expect(h.fake.violations.map((v) => [v.kind, v.message])).toEqual([
    ['request', expect.stringMatching(/body\/title must be string/)],
  ]);
  expect(h.fake.state.pull(1)?.title).toBe('x');
});

test('a field the operation does not have (draft on PATCH, which GitHub ignores) is a violation', async () => {
  await openPr();
  await failsWith(
    h.octokit.request(PULL, { owner: h.owner, repo: h.repo, pull_number: 1, draft: true } as never),
    422,
  );
  expect(h.fake.violations.map((v) => v.message)).toEqual([
    expect.stringContaining('"draft" is not a parameter of this operation'),
  ]);
});

test('an enum outside its values and an undefined query parameter are violations', async () => {
  await failsWith(
    h.octokit.request('GET /repos/{owner}/{repo}/pulls', {
      owner: h.owner,
      repo: h.repo,
      state: 'merged' as never,
    }),
    422,
  );
  await failsWith(
    h.octokit.request('GET /repos/{owner}/{repo}/pulls', {
      owner: h.owner,
      repo: h.repo,
      branch: 'x',
    } as never),
    422,
  );
  await failsWith(
    h.octokit.request('GET /repos/{owner}/{repo}/pulls/{pull_number}', {
      owner: h.owner,
      repo: h.repo,
      pull_number: 'one' as never,
    }),
    422,
  );
  expect(h.fake.violations.map((v) => v.message)).toEqual([
    expect.stringContaining(
      'query parameter "state": "merged" is not one of "open", "closed", "all"',
    ),
    expect.stringContaining('query parameter "branch" is not defined'),
    expect.stringContaining('path parameter "pull_number": "one" is not an integer'),
  ]);
});

test('an endpoint GitHub does not have is a 404 and an "unhandled endpoint" violation', async () => {
  await failsWith(
    h.octokit.request('GET /repos/{owner}/{repo}/signing-events', { owner: h.owner, repo: h.repo }),
    404,
  );
  expect(h.fake.violations).toEqual([
    expect.objectContaining({
      kind: 'unhandled endpoint',
      method: 'GET',
      path: `/repos/${h.owner}/${h.repo}/signing-events`,
    }),
  ]);
});

test('an endpoint GitHub has but the fake does not serve is an "unhandled endpoint" violation too', async () => {
  await failsWith(h.octokit.rest.issues.listLabelsForRepo({ owner: h.owner, repo: h.repo }), 404);
  expect(h.fake.violations).toEqual([
    expect.objectContaining({
      kind: 'unhandled endpoint',
      message: expect.stringContaining('issues/list-labels-for-repo') as string,
    }),
  ]);
});

test('a request without a token is a violation, answered 401', async () => {
  const res = await fetch(`${h.fake.url}/repos/${h.owner}/${h.repo}`);
  expect(res.status).toBe(401);
  expect(await res.json()).toMatchObject({ message: 'Requires authentication' });
  expect(h.fake.violations.map((v) => v.kind)).toEqual(['auth']);
});

test('invalid JSON is a violation, answered 400', async () => {
  const res = await fetch(`${h.fake.url}/repos/${h.owner}/${h.repo}/issues`, {
    method: 'POST',
    headers: { authorization: 'token t', 'content-type': 'application/json' },
    body: '{"title":',
  });
  expect(res.status).toBe(400);
  expect(h.fake.violations.map((v) => v.kind)).toEqual(['request']);
  expect(h.fake.state.issues).toEqual([]);
});

test('listing by a head without owner is flagged (GitHub would ignore the filter)', async () => {
  await openPr();
  await h.octokit.rest.pulls.create({
    owner: h.owner,
    repo: h.repo,
    head: 'sign/y',
    base: 'main',
    title: 'y',
  });
  const res = await h.octokit.rest.pulls.list({ owner: h.owner, repo: h.repo, head: 'sign/x' });
  expect(res.data).toHaveLength(2);
  expect(h.fake.violations.map((v) => v.kind)).toEqual(['semantics']);
});

test('every request is recorded with its operation and status', async () => {
  await openPr();
  await h.octokit.rest.pulls.get({ owner: h.owner, repo: h.repo, pull_number: 1 });
  expect(h.fake.requests.map((r) => [r.method, r.operationId, r.status, r.actor])).toEqual([
    ['POST', 'pulls/create', 201, 'github-actions[bot]'],
    ['GET', 'pulls/get', 200, 'github-actions[bot]'],
  ]);
  expect(h.fake.requests[0]?.body).toMatchObject({ head: 'sign/x', base: 'main' });
  assertNoViolations(h.fake);
});
