import { defineConfig } from 'vitest/config';

// `npm run bench`: each benchmark measures itself and prints its numbers beside a peer
// (oras, python-tuf) measured in the same run, as ratios. Sequential, one worker.
export default defineConfig({
  test: {
    include: ['test/bench/**/*.bench.ts'],
    testTimeout: 600_000,
    hookTimeout: 600_000,
    pool: 'forks',
    maxWorkers: 1,
    fileParallelism: false,
    sequence: { concurrent: false },
  },
});
