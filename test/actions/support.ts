import { startGitHubFake } from '../helpers/github-fake/index.js';
import type { GitHubFake } from '../helpers/github-fake/index.js';
import { runAction } from '../helpers/run-action.js';
import type { ActionRun } from '../helpers/run-action.js';
import type { World } from '../helpers/world.js';

export const OWNER = 'tufci-test';
export const REPO = 'repository';

/** The GitHub fake for a World: its branches are the World's bare remote's branches. */
export function fakeFor(w: World): Promise<GitHubFake> {
  return startGitHubFake({ owner: OWNER, repo: REPO, branchSha: (ref) => w.remoteRef(ref) });
}

/**
 * Runs action `name` as a push to `branch` would: in a fresh CI checkout of the branch
 * (or in `workspace`), against the fake, with a test token and the World's environment.
 */
export function pushAction(
  w: World,
  fake: GitHubFake,
  name: string,
  branch: string,
  inputs: Record<string, string> = {},
  workspace?: string,
): Promise<ActionRun> {
  return runAction(name, {
    workspace: workspace ?? w.ci(branch === 'main' ? undefined : branch).dir,
    apiUrl: fake.url,
    repository: `${OWNER}/${REPO}`,
    ref: `refs/heads/${branch}`,
    eventName: 'push',
    payload: {
      ref: `refs/heads/${branch}`,
      repository: { name: REPO, owner: { login: OWNER }, default_branch: 'main' },
    },
    inputs: { token: 'ghs_test-token', ...inputs },
    env: w.env,
  });
}
