import { afterEach, beforeEach, expect, test } from 'vitest';
import { assertNoViolations } from '../helpers/github-fake/index.js';
import { startHarness, type Harness } from './client.js';

const READY = `
  mutation MarkReady($id: ID!) {
    markPullRequestReadyForReview(input: { pullRequestId: $id }) {
      pullRequest { id isDraft number }
    }
  }`;

let h: Harness;
let nodeId: string;
beforeEach(async () => {
  h = await startHarness();
  const pr = await h.octokit.rest.pulls.create({
    owner: h.owner,
    repo: h.repo,
    head: 'sign/x',
    base: 'main',
    title: 'Sign',
    draft: true,
  });
  nodeId = pr.data.node_id;
});
afterEach(async () => {
  await h.fake.stop();
});

test('markPullRequestReadyForReview (variables) and convertPullRequestToDraft (inline id)', async () => {
  const ready = await h.octokit.graphql(READY, { id: nodeId });
  expect(ready).toEqual({
    markPullRequestReadyForReview: { pullRequest: { id: nodeId, isDraft: false, number: 1 } },
  });
  expect(h.fake.state.pull(1)?.draft).toBe(false);
  const rest = await h.octokit.rest.pulls.get({ owner: h.owner, repo: h.repo, pull_number: 1 });
  expect(rest.data.draft).toBe(false);

  const draft = await h.octokit.graphql(
    `mutation { toDraft: convertPullRequestToDraft(input: {pullRequestId: "${nodeId}", clientMutationId: "c1"}) {
       clientMutationId
       pullRequest { isDraft }
     } }`,
  );
  expect(draft).toEqual({ toDraft: { clientMutationId: 'c1', pullRequest: { isDraft: true } } });
  expect(h.fake.state.pull(1)?.draft).toBe(true);
  expect(h.fake.requests.filter((r) => r.operationId === 'graphql')).toHaveLength(2);
  assertNoViolations(h.fake);
});

test('an unknown node id is GitHub’s NOT_FOUND error, and the draft flag stays', async () => {
  const error = (await h.octokit.graphql(READY, { id: 'PR_nope' }).catch((e: unknown) => e)) as {
    errors?: { type?: string; message: string }[];
  };
  expect(error.errors?.[0]).toMatchObject({ type: 'NOT_FOUND' });
  expect(h.fake.state.pull(1)?.draft).toBe(true);
  assertNoViolations(h.fake);
});

test('a field PullRequest does not have is a violation and changes nothing', async () => {
  const error = (await h.octokit
    .graphql(
      `mutation($id: ID!) { markPullRequestReadyForReview(input: {pullRequestId: $id}) { pullRequest { isDraftt } } }`,
      {
        id: nodeId,
      },
    )
    .catch((e: unknown) => e)) as { errors?: { message: string }[] };
  expect(error.errors?.[0]?.message).toBe("Field 'isDraftt' doesn't exist on type 'PullRequest'");
  expect(h.fake.state.pull(1)?.draft).toBe(true);
  expect(h.fake.violations).toMatchObject([{ kind: 'graphql', method: 'POST', path: '/graphql' }]);
});

test('queries and other mutations are violations', async () => {
  await h.octokit.graphql('query { viewer { login } }').catch(() => undefined);
  await h.octokit
    .graphql('mutation { mergePullRequest(input: {pullRequestId: "x"}) { clientMutationId } }')
    .catch(() => undefined);
  expect(h.fake.violations.map((v) => v.message)).toEqual([
    expect.stringContaining('not a query'),
    "Field 'mergePullRequest' doesn't exist on type 'Mutation'",
  ]);
  expect(h.fake.state.pull(1)?.state).toBe('open');
});
