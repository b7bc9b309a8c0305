import { startGitHubFake } from '../helpers/github-fake/index.js';
import type { GitHubFake } from '../helpers/github-fake/index.js';
import type { World } from '../helpers/world.js';

export const OWNER = 'tufci-test';
export const REPO = 'repository';

/** The GitHub fake for a World: its branches are the World's bare remote's branches. */
export function fakeFor(w: World): Promise<GitHubFake> {
  return startGitHubFake({ owner: OWNER, repo: REPO, branchSha: (ref) => w.remoteRef(ref) });
}
