import { afterEach, expect, test } from 'vitest';
import { assertNoViolations } from '../helpers/github-fake/index.js';
import { failsWith, START, startHarness, type Harness } from './client.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.fake.stop();
});

test('a workflow dispatch is recorded with its ref and inputs', async () => {
  h = await startHarness({ workflows: ['publish.yml'] });
  const { owner, repo } = h;
  const res = await h.octokit.rest.actions.createWorkflowDispatch({
    owner,
    repo,
    workflow_id: 'publish.yml',
    ref: 'main',
    inputs: { event: 'sign/2024-05' },
  });
  expect(res.status).toBe(204);
  expect(h.fake.state.workflowDispatches).toEqual([
    { workflowId: 'publish.yml', ref: 'main', inputs: { event: 'sign/2024-05' }, at: START },
  ]);
  assertNoViolations(h.fake);
});

test('return_run_details answers 200 with the run URLs', async () => {
  h = await startHarness();
  const res = await h.octokit.request(
    'POST /repos/{owner}/{repo}/actions/workflows/{workflow_id}/dispatches',
    {
      owner: h.owner,
      repo: h.repo,
      workflow_id: 42,
      ref: 'refs/heads/main',
      return_run_details: true,
    },
  );
  expect(res.status).toBe(200);
  expect(res.data).toMatchObject({ workflow_run_id: expect.any(Number) as number });
  expect(h.fake.state.workflowDispatches.map((d) => d.workflowId)).toEqual(['42']);
  assertNoViolations(h.fake);
});

test('unknown workflows are 404, missing refs 422, and neither is recorded', async () => {
  h = await startHarness({
    workflows: ['publish.yml'],
    branchSha: (r) => (r === 'main' ? 'f'.repeat(40) : undefined),
  });
  const { owner, repo } = h;
  await failsWith(
    h.octokit.rest.actions.createWorkflowDispatch({
      owner,
      repo,
      workflow_id: 'other.yml',
      ref: 'main',
    }),
    404,
  );
  const missing = await failsWith(
    h.octokit.rest.actions.createWorkflowDispatch({
      owner,
      repo,
      workflow_id: 'publish.yml',
      ref: 'nope',
    }),
    422,
  );
  expect(missing.response?.data).toMatchObject({ message: 'No ref found for: nope' });
  expect(h.fake.state.workflowDispatches).toEqual([]);
  assertNoViolations(h.fake);
});

test('a repository dispatch is recorded with its payload', async () => {
  h = await startHarness();
  const res = await h.octokit.rest.repos.createDispatchEvent({
    owner: h.owner,
    repo: h.repo,
    event_type: 'signing-event',
    client_payload: { branch: 'sign/x' },
  });
  expect(res.status).toBe(204);
  expect(h.fake.state.repositoryDispatches).toEqual([
    { eventType: 'signing-event', clientPayload: { branch: 'sign/x' }, at: START },
  ]);
  assertNoViolations(h.fake);
});

test('the repository is served as GitHub describes it', async () => {
  h = await startHarness({ owner: 'acme', repo: 'tuf', defaultBranch: 'trunk' });
  const res = await h.octokit.rest.repos.get({ owner: 'acme', repo: 'tuf' });
  expect(res.data).toMatchObject({
    full_name: 'acme/tuf',
    default_branch: 'trunk',
    owner: { login: 'acme' },
  });
  assertNoViolations(h.fake);
});
