import * as core from '@actions/core';
import { bumpExpiringTask } from '../../../lib/ci/tasks.js';
import { repoClient, runAction } from '../../common/github.js';

async function main(): Promise<void> {
  const dir = process.env.GITHUB_WORKSPACE ?? process.cwd();
  const created = await bumpExpiringTask(
    { dir, env: process.env, now: new Date(), log: (l) => core.info(l) },
    { push: true },
  );
  core.setOutput('branches', created.join(','));
  const workflow = core.getInput('signing-event-workflow');
  if (workflow && created.length) {
    const gh = repoClient(core.getInput('token', { required: true }));
    for (const ref of created) {
      await gh.octokit.rest.actions.createWorkflowDispatch({
        owner: gh.owner,
        repo: gh.repo,
        workflow_id: workflow,
        ref,
      });
      core.info(`Dispatched ${workflow} on ${ref}.`);
    }
  }
}

void runAction(main);
