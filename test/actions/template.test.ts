/**
 * Adopting the workflow from another repository: templates/repository/ is copied into a
 * new repository (a real git remote) that then carries only those YAML files, no tufci
 * source or tests. Its workflows run step by step as GitHub's runner would
 * (test/helpers/workflow-runner.ts: tufci's actions by `OWNER/REPO/actions/NAME@REF`,
 * against the GitHub fake), from the first signing event to a published repository that
 * the template's own test job, and `tufci verify`, verify over HTTP.
 */
import { cpSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GitHubFake } from '../helpers/github-fake/index.js';
import { serveDir, type StaticServer } from '../helpers/static-server.js';
import { runWorkflow, type WorkflowRunOptions } from '../helpers/workflow-runner.js';
import { World, git } from '../helpers/world.js';
import { OWNER, REPO, fakeFor } from './support.js';

const TEMPLATE = 'templates/repository';

describe('the repository template, adopted by another organisation', () => {
  const w = new World();
  const alice = w.clone('alice');
  const bob = w.clone('bob');
  let fake: GitHubFake;
  let pages: StaticServer;
  const pagesDir = join(w.root, 'pages');

  beforeAll(async () => {
    fake = await fakeFor(w);
    mkdirSync(pagesDir, { recursive: true });
    pages = await serveDir(pagesDir);
  });
  afterAll(async () => {
    await fake.stop();
    await pages.close();
    w.cleanup();
  });

  const workflow = (
    name: string,
    event: WorkflowRunOptions['event'],
    branch: string,
    extra: Partial<WorkflowRunOptions> = {},
  ) =>
    runWorkflow(join(w.ci().dir, '.github', 'workflows', `${name}.yml`), {
      world: w,
      fake,
      owner: OWNER,
      repo: REPO,
      event,
      branch,
      secrets: { TUFCI_ONLINE_KEY: w.onlineKeyPem },
      vars: { TUFCI_PUBLISHED_URL: pages.url },
      pagesDir,
      pagesUrl: pages.url,
      ...extra,
    });
  const succeeded = async (p: ReturnType<typeof workflow>, job: string): Promise<void> => {
    const r = await p;
    expect(r[job]?.result, r[job]?.log.join('\n')).toBe('success');
  };

  it('the new repository carries the template’s workflows and no tufci source', () => {
    const seed = w.ci();
    cpSync(TEMPLATE, seed.dir, { recursive: true });
    git(seed.dir, 'add', '.');
    git(seed.dir, '-c', 'user.name=T', '-c', 'user.email=t@e', 'commit', '-qm', 'tufci workflows');
    git(seed.dir, 'push', '-q', 'origin', 'main');
    const tracked = git(seed.dir, 'ls-files').trim().split('\n');
    expect(tracked.filter((f) => !f.startsWith('.github/workflows/'))).toEqual([
      '.gitignore',
      'README.md',
    ]);
    const workflows = readdirSync(join(seed.dir, '.github', 'workflows'));
    expect(workflows.length).toBeGreaterThanOrEqual(4);
  });

  it('first signing event → signed → merged → online-signed → published → verified', async () => {
    expect((await alice.tufci(...w.initArgs([alice, bob], 2))).code).toBe(0);
    await succeeded(workflow('signing-event', 'push', 'sign/init'), 'signing-event');
    const pr = () => fake.state.pullRequests.find((p) => p.head === 'sign/init');
    expect(pr()?.draft).toBe(true);
    for (const s of [bob, alice]) {
      expect((await s.tufci('sign', 'sign/init', '--yes')).code).toBe(0);
      await succeeded(workflow('signing-event', 'push', 'sign/init'), 'signing-event');
    }
    expect(pr()?.draft).toBe(false);
    w.merge('sign/init');
    const dispatchesBefore = fake.state.workflowDispatches.length;
    await succeeded(workflow('online-sign', 'push', 'main'), 'online-sign');
    expect(fake.state.workflowDispatches.slice(dispatchesBefore)).toEqual([
      expect.objectContaining({ workflowId: 'publish.yml' }),
    ]);

    // an artifact event
    w.pushFiles(alice, 'sign/add-app', { 'targets/app.txt': 'adopted\n' });
    await succeeded(workflow('signing-event', 'push', 'sign/add-app'), 'signing-event');
    for (const s of [alice, bob]) {
      expect((await s.tufci('sign', 'sign/add-app', '--yes')).code).toBe(0);
      await succeeded(workflow('signing-event', 'push', 'sign/add-app'), 'signing-event');
    }
    w.merge('sign/add-app');
    await succeeded(workflow('online-sign', 'push', 'main'), 'online-sign');

    // the dispatched publish: build, deploy to "Pages", then the template's client test
    const published = await workflow('publish', 'workflow_dispatch', 'main', {
      inputs: { ref: '' },
    });
    for (const job of ['build', 'deploy', 'test'])
      expect(published[job]?.result, published[job]?.log.join('\n')).toBe('success');
    expect(pages.requests.some((r) => r.path === 'timestamp.json' && r.status === 200)).toBe(true);

    const out = join(w.root, 'app.txt');
    writeFileSync(out, '');
    const v = await w
      .ci()
      .tufci(
        'verify',
        '--from',
        pages.url,
        '--root',
        join(w.ci().dir, 'metadata', 'root_history', '1.root.json'),
        '--target',
        'app.txt',
        '--no-cache',
      );
    expect(v.err).toBe('');
    expect(v.out).toContain('Target "app.txt" verified: 8 bytes');
  });
});
