import { UserError } from '../errors.js';
import type { RepoDir } from '../tuf/repo.js';
import type { Envelope } from '../tuf/types.js';

/** All offline roles of the work tree (root, targets, delegated), parsed and validated. */
export function loadOfflineRoles(repo: RepoDir): Map<string, Envelope> {
  if (!repo.has('root')) {
    throw new UserError(
      `${repo.relRolePath('root')}: not found in ${repo.dir}; run tufci in a repository clone (or \`tufci init\` first)`,
    );
  }
  return repo.readOfflineRoles();
}
