/**
 * `npm run bench`: start-up of the built CLI (`tufci --help`, `tufci status --help`) beside
 * `node -e 0` in the same run, as whole processes in turn. Prints medians and the ratio.
 */
import { cpus } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fmt, median, pairwise, runOnce } from './measure.js';

const CLI = join(new URL('../..', import.meta.url).pathname, 'build', 'signer-cli', 'main.js');
const RUNS = 11;
const lines: string[] = [];

afterAll(() => {
  console.log(['', `start-up (${cpus().length} cores)`, ...lines, ''].join('\n'));
});

describe('start-up beside node -e 0', () => {
  for (const args of [['--help'], ['status', '--help']]) {
    it(`tufci ${args.join(' ')}`, () => {
      const r = pairwise(
        RUNS,
        () => runOnce(['node', CLI, ...args]),
        () => runOnce(['node', '-e', '0']),
      );
      lines.push(
        `  tufci ${args.join(' ')}: ${fmt(r.a)}; node -e 0: ${fmt(r.b)}; ratio ${median(r.ratios).toFixed(2)}`,
      );
      expect(r.a).toHaveLength(RUNS);
    });
  }
});
