import * as core from '@actions/core';
import { onlineSignTask } from '../../../lib/ci/online-sign.js';
import { refreshFailure, refreshImports } from '../../../lib/event/import-refresh.js';
import { Git } from '../../../lib/git/git.js';
import { defaultBranch, repoClient, runAction } from '../../common/github.js';
import { credentialInputs } from '../../common/registry.js';

// The AWS SDK's notice that its later releases need a newer Node is not the user's
// concern (the action runs on node24, but the same bundle runs under Node 20 too).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

async function main(): Promise<void> {
  const dir = process.env.GITHUB_WORKSPACE ?? process.cwd();
  // imported roles first: a newer version of the source's role goes into this snapshot;
  // an import that cannot be refreshed keeps its version and fails the job at the end,
  // after snapshot and timestamp are kept fresh all the same
  let refreshError: Error | undefined;
  if (core.getBooleanInput('refresh-imports')) {
    const refreshed = await refreshImports({
      dir,
      env: { ...process.env },
      now: new Date(),
      out: (l) => core.info(l),
      registry: credentialInputs('source-registry'),
    });
    core.setOutput('refreshed', refreshed.refreshed.join(','));
    if (refreshed.failures.length) {
      refreshError = refreshFailure(refreshed);
      core.warning(refreshError.message);
    }
  }
  const key = core.getInput('online-key');
  for (const line of key.split('\n')) if (line.trim()) core.setSecret(line.trim());
  const uri = core.getInput('online-key-uri');
  const signed = await onlineSignTask(
    { dir, env: { ...process.env }, now: new Date(), log: (l) => core.info(l) },
    {
      push: true,
      ...(uri ? { uri, uriFrom: 'input online-key-uri' } : {}),
      signer: { platform: process.platform, ...(key ? { secret: key } : {}) },
    },
  );
  core.setOutput('signed', signed.join(','));
  const workflow = core.getInput('publish-workflow');
  if (workflow && signed.length) {
    const gh = repoClient(core.getInput('token', { required: true }));
    const branch = await defaultBranch(gh);
    // publish exactly the commit just signed, even if the branch moves on meanwhile
    const sha = await new Git(dir, process.env).head();
    await gh.octokit.rest.actions.createWorkflowDispatch({
      owner: gh.owner,
      repo: gh.repo,
      workflow_id: workflow,
      ref: branch,
      inputs: { ref: sha },
    });
    core.info(`Dispatched ${workflow} to publish ${sha.slice(0, 12)} (${branch}).`);
  }
  if (refreshError) throw refreshError;
}

void runAction(main);
