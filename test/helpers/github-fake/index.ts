// The GitHub REST API fake for tests: see server.ts (startGitHubFake) and types.ts.

import type { GitHubFake } from './server.js';
import type { Violation } from './types.js';

export { startGitHubFake, allRoutes, type GitHubFake } from './server.js';
export { loadDescription } from './openapi-description.js';
export type { GitHubFakeOptions } from './types.js';
function formatViolations(violations: Violation[]): string {
  return violations.map((v) => `- [${v.kind}] ${v.method} ${v.path}: ${v.message}`).join('\n');
}

/** Throws, listing every violation, unless the fake saw only conforming requests. */
export function assertNoViolations(fake: Pick<GitHubFake, 'violations'>): void {
  if (fake.violations.length > 0) {
    throw new Error(
      `github-fake recorded ${fake.violations.length} violation(s):\n${formatViolations(fake.violations)}`,
    );
  }
}
