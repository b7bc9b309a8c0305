import { defineConfig } from 'vitest/config';

/**
 * Pure tests: no git, registry, token, browser or subprocess; `npm run test:unit` runs
 * only these (seconds). `npm test` runs every project, with coverage of lib/.
 */
const UNIT = [
  'test/unit/**/*.test.ts',
  'test/oci/units.test.ts',
  'test/oci/reference.test.ts',
  'test/oci-publish/units.test.ts',
  'test/hsm/pkcs11-der.test.ts',
  'test/hsm/pkcs11-errors.test.ts',
];

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: 2,
    projects: [
      { extends: true, test: { name: 'unit', include: UNIT } },
      {
        extends: true,
        test: { name: 'integration', include: ['test/**/*.test.ts'], exclude: UNIT },
      },
    ],
    coverage: {
      provider: 'v8',
      include: ['lib/**/*.ts'],
      reporter: ['text-summary', 'json-summary'],
      reportsDirectory: 'build/coverage',
      // The floor CI enforces, set from the figure of 2026-12-03 (lines 93.1%, statements
      // 91.5%, functions 95.3%, branches 82.4%) rounded down:
      // raised as coverage grows, never lowered.
      thresholds: { lines: 93, statements: 91, functions: 95, branches: 82 },
    },
  },
});
