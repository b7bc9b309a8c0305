import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';

export interface ActionRun {
  code: number;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  summary: string;
}

export interface ActionEnv {
  workspace: string;
  apiUrl: string;
  repository: string;
  ref: string;
  eventName: string;
  payload: object;
  inputs?: Record<string, string>;
  env?: Record<string, string | undefined>;
}

/** Parses the runner's GITHUB_OUTPUT file (`name<<DELIM` … `DELIM` blocks). */
function parseOutputs(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const m = /^([^<=]+)<<(.+)$/.exec(lines[i]!);
    if (m) {
      const value: string[] = [];
      while (++i < lines.length && lines[i] !== m[2]) value.push(lines[i]!);
      out[m[1]!] = value.join('\n');
    } else if (lines[i]!.includes('=')) {
      const [k, ...v] = lines[i]!.split('=');
      out[k!] = v.join('=');
    }
  }
  return out;
}

/** Runs `node actions/<name>/dist/index.js` the way the GitHub runner does. */
export async function runAction(name: string, e: ActionEnv): Promise<ActionRun> {
  const tmp = mkdtempSync(join(tmpdir(), `action-${name}-`));
  const eventPath = join(tmp, 'event.json');
  const outputPath = join(tmp, 'output');
  const summaryPath = join(tmp, 'summary');
  writeFileSync(eventPath, JSON.stringify(e.payload));
  writeFileSync(outputPath, '');
  writeFileSync(summaryPath, '');
  // The runner fills in action.yml defaults for inputs the workflow does not give.
  const meta = parseYaml(readFileSync(resolve('actions', name, 'action.yml'), 'utf8')) as {
    inputs?: Record<string, { default?: string }>;
  };
  const given: Record<string, string> = {};
  for (const [k, spec] of Object.entries(meta.inputs ?? {})) {
    if (spec.default !== undefined && !spec.default.includes('${{')) given[k] = spec.default;
  }
  Object.assign(given, e.inputs);
  const inputs = Object.fromEntries(
    Object.entries(given).map(([k, v]) => [`INPUT_${k.replace(/ /g, '_').toUpperCase()}`, v]),
  );
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries({
    ...e.env,
    ...inputs,
    GITHUB_ACTIONS: 'true',
    GITHUB_EVENT_NAME: e.eventName,
    GITHUB_EVENT_PATH: eventPath,
    GITHUB_REPOSITORY: e.repository,
    GITHUB_REF: e.ref,
    GITHUB_SHA: '0'.repeat(40),
    GITHUB_WORKSPACE: e.workspace,
    GITHUB_OUTPUT: outputPath,
    GITHUB_STEP_SUMMARY: summaryPath,
    GITHUB_API_URL: e.apiUrl,
    GITHUB_GRAPHQL_URL: `${e.apiUrl}/graphql`,
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_WORKFLOW: 'test-workflow',
    GITHUB_RUN_ID: '1234',
  })) {
    if (v !== undefined) env[k] = v;
  }
  const script = resolve('actions', name, 'dist', 'index.js');
  return new Promise((done) => {
    const child = spawn(process.execPath, [script], { cwd: e.workspace, env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) =>
      done({
        code: code ?? 1,
        stdout,
        stderr,
        outputs: parseOutputs(readFileSync(outputPath, 'utf8')),
        summary: readFileSync(summaryPath, 'utf8'),
      }),
    );
  });
}
