// Starts a fake with a fixed, steppable clock and a real Octokit client from
// @actions/github pointed at it.

import { getOctokit } from '@actions/github';
import {
  startGitHubFake,
  type GitHubFake,
  type GitHubFakeOptions,
} from '../helpers/github-fake/index.js';

export const START = '2024-05-01T12:00:00Z';

export interface Harness {
  fake: GitHubFake;
  octokit: ReturnType<typeof getOctokit>;
  owner: string;
  repo: string;
  /** Moves the fake's clock forward. */
  advance(seconds: number): void;
}

export async function startHarness(options: GitHubFakeOptions = {}): Promise<Harness> {
  let time = Date.parse(START);
  const fake = await startGitHubFake({ now: () => new Date(time), ...options });
  return {
    fake,
    octokit: getOctokit('test-token', { baseUrl: fake.url }),
    owner: fake.state.repository.owner,
    repo: fake.state.repository.name,
    advance: (seconds) => {
      time += seconds * 1000;
    },
  };
}

/** What Octokit throws for a non-2xx answer (its RequestError), without importing it. */
export interface HttpFailure {
  status: number;
  response?: { data?: unknown; headers?: Record<string, unknown> };
}

/** Awaits a call that must fail with `status`; returns the error. */
export async function failsWith(call: Promise<unknown>, status: number): Promise<HttpFailure> {
  let failure: unknown;
  try {
    await call;
  } catch (error) {
    failure = error;
  }
  if (!failure || typeof (failure as HttpFailure).status !== 'number') {
    throw new Error(`expected an HTTP ${status} failure, got ${String(failure ?? 'success')}`);
  }
  if ((failure as HttpFailure).status !== status) {
    throw new Error(`expected HTTP ${status}, got ${(failure as HttpFailure).status}`);
  }
  return failure as HttpFailure;
}
