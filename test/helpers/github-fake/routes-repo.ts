// The repository itself, and the two ways to start a workflow: workflow_dispatch and
// repository_dispatch. Dispatches are only recorded; nothing runs.

import { repositoryJson, repoHtmlUrl, repoApiUrl } from './render-repo.js';
import { checkRepo, GitHubError, notFound, str, type RouteContext, type Routes } from './route.js';

const REPO = '/repos/{owner}/{repo}';
const WORKFLOW_DISPATCH = '/repos/{owner}/{repo}/actions/workflows/{workflow_id}/dispatches';
const REPOSITORY_DISPATCH = '/repos/{owner}/{repo}/dispatches';

function objectField(value: unknown): Record<string, unknown> {
  return value && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

export function workflowRoutes(workflows: string[] | undefined): Routes {
  const dispatch = (ctx: RouteContext) => {
    checkRepo(ctx);
    const workflowId = ctx.params.workflow_id ?? '';
    if (workflows && !workflows.includes(workflowId)) throw notFound();
    const ref = str(ctx.body, 'ref') ?? '';
    const branch = ref.replace(/^refs\/(heads|tags)\//, '');
    if (ctx.state.branchSha(branch) === undefined) {
      throw new GitHubError(422, `No ref found for: ${ref}`);
    }
    ctx.state.workflowDispatches.push({
      workflowId,
      ref,
      inputs: objectField(ctx.body.inputs),
      at: ctx.state.timestamp(),
    });
    if (ctx.body.return_run_details !== true) return { status: 204 };
    const runId = 9000 + ctx.state.workflowDispatches.length;
    return {
      status: 200,
      body: {
        workflow_run_id: runId,
        run_url: `${repoApiUrl(ctx)}/actions/runs/${runId}`,
        html_url: `${repoHtmlUrl(ctx)}/actions/runs/${runId}`,
      },
    };
  };
  return { [`POST ${WORKFLOW_DISPATCH}`]: dispatch };
}

export const repoRoutes: Routes = {
  [`GET ${REPO}`]: (ctx) => {
    checkRepo(ctx);
    return { status: 200, body: repositoryJson(ctx, true) };
  },
  [`POST ${REPOSITORY_DISPATCH}`]: (ctx) => {
    checkRepo(ctx);
    ctx.state.repositoryDispatches.push({
      eventType: str(ctx.body, 'event_type') ?? '',
      clientPayload: objectField(ctx.body.client_payload),
      at: ctx.state.timestamp(),
    });
    return { status: 204 };
  },
};
