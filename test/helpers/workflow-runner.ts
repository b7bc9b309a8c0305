/**
 * Runs a workflow file's jobs the way GitHub's runner would, step by step, for the
 * steps tufci's workflows use: `actions/checkout` (a fresh clone of the World's remote
 * at the ref), tufci's own actions under any `OWNER/REPO/actions/NAME@REF` (their
 * bundled dist/ from this checkout, through runAction), `actions/upload-pages-artifact`
 * and `actions/deploy-pages` (copied into a directory a local server serves). Jobs run
 * in `needs` order; `if:` and `${{ }}` use a small evaluator of the expression syntax
 * the workflows use (`||`, `&&`, `==`, `!=`, literals, contexts, `format()`,
 * `always()`). Any other step is an error, so a template that needs more fails here.
 */
import { cpSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { GitHubFake } from './github-fake/index.js';
import { runAction } from './run-action.js';
import { git, type World } from './world.js';

interface Step {
  id?: string;
  name?: string;
  uses?: string;
  run?: string;
  with?: Record<string, string | number | boolean>;
}
interface Job {
  needs?: string | string[];
  if?: string;
  steps: Step[];
}
interface Workflow {
  on: Record<string, unknown>;
  jobs: Record<string, Job>;
}

export interface WorkflowRunOptions {
  world: World;
  fake: GitHubFake;
  owner: string;
  repo: string;
  event: 'push' | 'workflow_dispatch' | 'schedule';
  /** The branch the run is for (the push's branch, or the dispatch's ref). */
  branch: string;
  inputs?: Record<string, string>;
  secrets?: Record<string, string>;
  vars?: Record<string, string>;
  /** Where deploy-pages puts the site (served by the caller). */
  pagesDir?: string;
  pagesUrl?: string;
}

export interface JobResult {
  result: 'success' | 'failure' | 'skipped';
  log: string[];
}

type Value = string | boolean;
type Lookup = (path: string[]) => Value;

/** Evaluates one `${{ }}` expression. */
function evaluate(expr: string, lookup: Lookup): Value {
  const tokens = expr.match(/'(?:[^']|'')*'|\|\||&&|==|!=|[(),!]|[\w.-]+/g) ?? [];
  let i = 0;
  const peek = (): string | undefined => tokens[i];
  const truthy = (v: Value): boolean => v !== '' && v !== false && v !== 'false';
  const primary = (): Value => {
    const t = tokens[i++];
    if (t === undefined) throw new Error(`expression ends early: ${expr}`);
    if (t === '(') {
      const v = or();
      i++; // )
      return v;
    }
    if (t === '!') return !truthy(primary());
    if (t.startsWith("'")) return t.slice(1, -1).replace(/''/g, "'");
    if (t === 'true' || t === 'false') return t === 'true';
    if (peek() === '(') {
      i++;
      const args: Value[] = [];
      while (peek() !== ')') {
        args.push(or());
        if (peek() === ',') i++;
      }
      i++;
      if (t === 'always') return true;
      if (t === 'success') return true;
      if (t === 'format')
        return String(args[0]).replace(/\{(\d+)\}/g, (_m, n: string) =>
          String(args[Number(n) + 1]),
        );
      throw new Error(`function not known to the test runner: ${t}()`);
    }
    return lookup(t.split('.'));
  };
  const cmp = (): Value => {
    let v = primary();
    while (peek() === '==' || peek() === '!=') {
      const op = tokens[i++];
      const w = primary();
      v = op === '==' ? String(v) === String(w) : String(v) !== String(w);
    }
    return v;
  };
  const and = (): Value => {
    let v = cmp();
    while (peek() === '&&') {
      i++;
      const w = cmp();
      v = truthy(v) ? w : v;
    }
    return v;
  };
  const or = (): Value => {
    let v = and();
    while (peek() === '||') {
      i++;
      const w = and();
      v = truthy(v) ? v : w;
    }
    return v;
  };
  return or();
}

/** Substitutes every `${{ }}` in a string. */
function interpolate(text: string, lookup: Lookup): string {
  return text.replace(/\$\{\{(.*?)\}\}/g, (_m, e: string) => String(evaluate(e, lookup)));
}

export async function runWorkflow(
  file: string,
  o: WorkflowRunOptions,
): Promise<Record<string, JobResult>> {
  const wf = parseYaml(readFileSync(file, 'utf8')) as Workflow;
  if (!(o.event in wf.on)) throw new Error(`${file} does not run on ${o.event}`);
  const results: Record<string, JobResult> = {};
  // the Pages artifact a job uploaded: later jobs of the run deploy it, as on GitHub
  const run = { artifact: '' };
  const done = new Set<string>();
  const names = Object.keys(wf.jobs);
  while (done.size < names.length) {
    const ready = names.find(
      (n) => !done.has(n) && [wf.jobs[n]!.needs ?? []].flat().every((d) => done.has(d)),
    );
    if (!ready) throw new Error(`${file}: a cycle in needs`);
    results[ready] = await runJob(ready, wf.jobs[ready]!, results, o, run);
    done.add(ready);
  }
  return results;
}

async function runJob(
  name: string,
  job: Job,
  results: Record<string, JobResult>,
  o: WorkflowRunOptions,
  run: { artifact: string },
): Promise<JobResult> {
  const needs = [job.needs ?? []].flat();
  const log: string[] = [];
  const steps: Record<string, Record<string, string>> = {};
  const event = {
    repository: { name: o.repo, owner: { login: o.owner }, default_branch: 'main' },
    ref: `refs/heads/${o.branch}`,
    inputs: o.inputs ?? {},
  };
  const lookup: Lookup = (p) => {
    const [head, ...rest] = p;
    const get = (obj: unknown, keys: string[]): Value => {
      let v: unknown = obj;
      for (const k of keys)
        v = typeof v === 'object' && v !== null ? (v as Record<string, unknown>)[k] : undefined;
      return typeof v === 'boolean' ? v : v === undefined || v === null ? '' : String(v as string);
    };
    switch (head) {
      case 'github': {
        const github = {
          token: 'ghs_test-token',
          event_name: o.event,
          repository_owner: o.owner,
          repository: `${o.owner}/${o.repo}`,
          ref: event.ref,
          event,
        };
        return get(github, rest);
      }
      case 'secrets':
        return get(o.secrets ?? {}, rest);
      case 'vars':
        return get(o.vars ?? {}, rest);
      case 'inputs':
        return get(o.inputs ?? {}, rest);
      case 'steps':
        return get(steps, rest);
      case 'needs':
        return get(
          Object.fromEntries(needs.map((n) => [n, { result: results[n]?.result ?? '' }])),
          rest,
        );
      default:
        throw new Error(`context not known to the test runner: ${p.join('.')}`);
    }
  };
  const needsOk = needs.every((n) => results[n]?.result === 'success');
  const cond = job.if;
  const wanted = cond === undefined ? needsOk : evaluate(cond, lookup);
  if (
    wanted === false ||
    wanted === '' ||
    (cond !== undefined && !/always\(\)/.test(cond) && !needsOk)
  )
    return { result: 'skipped', log };

  let workspace = '';
  for (const step of job.steps) {
    const inputs = Object.fromEntries(
      Object.entries(step.with ?? {}).map(([k, v]) => [k, interpolate(String(v), lookup)]),
    );
    const uses = step.uses ?? '';
    log.push(`${name}: ${step.name ?? uses}`);
    if (step.run !== undefined)
      throw new Error(`${name}: run steps are not expected in tufci's workflows`);
    if (uses.startsWith('actions/checkout@')) {
      const ref = inputs.ref || o.branch;
      workspace = o.world.ci().dir;
      git(workspace, 'checkout', '-q', '-B', ref, `origin/${ref}`);
      continue;
    }
    const own = /^[\w.-]+\/[\w.-]+\/actions\/([\w-]+)@[\w.-]+$/.exec(uses);
    if (own) {
      // the runner evaluates action.yml defaults that are expressions (e.g. github.token)
      const meta = parseYaml(readFileSync(resolve('actions', own[1]!, 'action.yml'), 'utf8')) as {
        inputs?: Record<string, { default?: string }>;
      };
      for (const [k, spec] of Object.entries(meta.inputs ?? {}))
        if (!(k in inputs) && spec.default?.includes('${{'))
          inputs[k] = interpolate(spec.default, lookup);
      const r = await runAction(own[1]!, {
        workspace: workspace || o.world.root,
        apiUrl: o.fake.url,
        repository: `${o.owner}/${o.repo}`,
        ref: event.ref,
        eventName: o.event,
        payload: event,
        inputs,
        env: o.world.env,
      });
      log.push(r.stdout, r.stderr);
      if (step.id) steps[step.id] = { ...r.outputs };
      if (r.code !== 0) return { result: 'failure', log };
      continue;
    }
    if (uses.startsWith('actions/upload-pages-artifact@')) {
      run.artifact = resolve(workspace, inputs.path ?? '_site');
      continue;
    }
    if (uses.startsWith('actions/deploy-pages@')) {
      const source = run.artifact;
      if (!o.pagesDir || !source) throw new Error(`${name}: deploy-pages without a site`);
      rmSync(o.pagesDir, { recursive: true, force: true });
      mkdirSync(o.pagesDir, { recursive: true });
      cpSync(source, o.pagesDir, { recursive: true });
      if (step.id) steps[step.id] = { page_url: o.pagesUrl ?? '' };
      continue;
    }
    throw new Error(`${name}: step not known to the test runner: ${uses}`);
  }
  return { result: 'success', log };
}
