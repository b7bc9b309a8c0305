/** The built `tufci` (npm run build) run as a process, as a user or a workflow step runs it. */
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';

const BIN = resolve('build/signer-cli/main.js');

export interface CliResult {
  code: number;
  out: string;
  err: string;
}

/** Runs `tufci ARGS` in `cwd` with exactly `env`; never throws on a failing exit code. */
export function tufci(
  cwd: string,
  env: Record<string, string | undefined>,
  ...args: string[]
): Promise<CliResult> {
  return new Promise<CliResult>((done) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { cwd, env: env as NodeJS.ProcessEnv, encoding: 'utf8' },
      (e, out, err) => {
        const code = e ? (typeof e.code === 'number' ? e.code : -1) : 0;
        done({ code, out, err });
      },
    );
  });
}

/** Throws with the output unless the command succeeded; returns the result. */
export function ok(what: string, r: CliResult): CliResult {
  if (r.code !== 0) throw new Error(`${what} failed (${r.code}):\n${r.err}\n${r.out}`);
  return r;
}
