/**
 * Whole-process measurements for `npm run bench`: wall time from the start of a command
 * to its exit, and the peak RSS of the process (the largest child, from getrusage), taken
 * by a small wrapper in Debian's python3 so its own start-up is outside the figures.
 */
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';

export interface Run {
  ms: number;
  rssMiB: number;
}

const WRAPPER = `
import json, resource, subprocess, sys, time
t = time.monotonic()
p = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
ms = (time.monotonic() - t) * 1000
if p.returncode != 0:
    sys.stderr.write(p.stderr.decode(errors="replace"))
    sys.exit(p.returncode)
print(json.dumps({"ms": ms, "rssMiB": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}))
`;

/** Runs `cmd` once as a whole process; throws (with its stderr) when it fails. */
export function runOnce(
  cmd: string[],
  opts: { cwd?: string; env?: Record<string, string | undefined> } = {},
): Run {
  const out = execFileSync('/usr/bin/python3', ['-c', WRAPPER, ...cmd], {
    cwd: opts.cwd,
    env: (opts.env ?? process.env) as NodeJS.ProcessEnv,
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  return JSON.parse(out) as Run;
}

/** As runOnce, without blocking the event loop (for a server in this process). */
export async function runOnceAsync(
  cmd: string[],
  opts: { cwd?: string; env?: Record<string, string | undefined> } = {},
): Promise<Run> {
  const { stdout } = await promisify(execFile)('/usr/bin/python3', ['-c', WRAPPER, ...cmd], {
    cwd: opts.cwd,
    env: (opts.env ?? process.env) as NodeJS.ProcessEnv,
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  return JSON.parse(stdout) as Run;
}

export const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/**
 * Runs A and B in turn (A B A B ...) `n` times each after one warm-up of each, so drift of
 * the machine's speed hits both; `before` runs ahead of every run (e.g. to reset a checkout).
 */
export function pairwise(
  n: number,
  a: () => Run,
  b: () => Run,
  before: () => void = () => {},
): { a: Run[]; b: Run[]; ratios: number[] } {
  before();
  a();
  before();
  b();
  const ra: Run[] = [];
  const rb: Run[] = [];
  for (let i = 0; i < n; i++) {
    before();
    ra.push(a());
    before();
    rb.push(b());
  }
  return { a: ra, b: rb, ratios: ra.map((x, i) => x.ms / rb[i]!.ms) };
}

export const fmt = (runs: Run[]): string =>
  `median ${median(runs.map((r) => r.ms)).toFixed(0)} ms, peak ${median(runs.map((r) => r.rssMiB)).toFixed(0)} MiB`;
