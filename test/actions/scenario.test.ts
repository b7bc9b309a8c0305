import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertNoViolations } from '../helpers/github-fake/index.js';
import type { GitHubFake } from '../helpers/github-fake/index.js';
import { runAction } from '../helpers/run-action.js';
import type { ActionRun } from '../helpers/run-action.js';
import { World, git } from '../helpers/world.js';

import { OWNER, REPO, fakeFor, pushAction } from './support.js';

/** The status comment with volatile parts (dates, keyids of keys made per run) masked, for the golden file. */
export function maskComment(body: string): string {
  return body
    .replace(/\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}Z)?/g, (_m, t?: string) =>
      t ? 'YYYY-MM-DDTHH:MM:SSZ' : 'YYYY-MM-DD',
    )
    .replace(/keyid [0-9a-f]{8}/g, 'keyid KEYID');
}

describe('signing-event PR flow through the actions', () => {
  const w = new World();
  const alice = w.clone('alice');
  const bob = w.clone('bob');
  const carol = w.clone('carol');
  let fake: GitHubFake;

  beforeAll(async () => {
    fake = await fakeFor(w);
  });
  afterAll(async () => {
    await fake.stop();
    w.cleanup();
  });

  async function action(
    name: string,
    branch: string,
    inputs: Record<string, string> = {},
  ): Promise<ActionRun> {
    const run = await pushAction(w, fake, name, branch, inputs);
    if (run.code !== 0) throw new Error(`action ${name} failed:\n${run.stdout}\n${run.stderr}`);
    return run;
  }

  const statusComments = (pr: number) =>
    fake.state.commentsOn(pr).filter((c) => c.body.includes('tufci-signing-event-status'));
  const pull = (pr: number) => fake.state.items.get(pr) as { draft: boolean; state: string };

  it('opens a draft PR with one status comment, edits it in place, and marks it ready at threshold', async () => {
    expect((await alice.tufci(...w.initArgs([alice, bob, carol], 2))).code).toBe(0);
    const first = await action('signing-event', 'sign/init');
    const pr = Number(first.outputs['pr-number']);
    expect(pr).toBeGreaterThan(0);
    expect(first.outputs.complete).toBe('false');
    expect(pull(pr).draft).toBe(true);
    let comments = statusComments(pr);
    expect(comments).toHaveLength(1);
    const commentId = comments[0]!.id;
    expect(comments[0]!.body).toContain(
      '@bob (accept the invite for root, targets): `npx tufci sign sign/init`',
    );
    expect(first.summary).toContain('Signing event `sign/init`');

    for (const [signer, again] of [
      [bob, false],
      [carol, false],
      [alice, false],
      [bob, true],
    ] as const) {
      const r = await signer.tufci('sign', 'sign/init', '--yes');
      expect(r.err, `${signer.user}${again ? ' (second signature)' : ''}`).toBe('');
      await action('signing-event', 'sign/init');
      comments = statusComments(pr);
      expect(comments).toHaveLength(1);
      expect(comments[0]!.id).toBe(commentId);
    }
    expect(pull(pr).draft).toBe(false);
    const body = comments[0]!.body;
    expect(body).toContain('✅ complete, ready to merge');
    expect(body).toContain('```mermaid');
    const goldenPath = join(import.meta.dirname, '..', 'golden', 'status-comment-init.md');
    if (process.env.UPDATE_GOLDEN) writeFileSync(goldenPath, maskComment(body));
    const golden = readFileSync(goldenPath, 'utf8');
    expect(maskComment(body)).toBe(golden);

    // a new push that makes the event incomplete turns the PR back into a draft
    git(alice.dir, 'fetch', '-q', 'origin');
    git(alice.dir, 'checkout', '-q', '-B', 'sign/init', 'origin/sign/init');
    const targets = JSON.parse(readFileSync(join(alice.dir, 'metadata', 'targets.json'), 'utf8'));
    targets.signed['x-tuf-on-ci-expiry-period'] = 200;
    writeFileSync(join(alice.dir, 'metadata', 'targets.json'), JSON.stringify(targets, null, 2));
    git(alice.dir, 'commit', '-qam', 'change targets expiry period');
    git(alice.dir, 'push', '-q', 'origin', 'sign/init');
    const incomplete = await action('signing-event', 'sign/init');
    expect(incomplete.outputs.complete).toBe('false');
    expect(pull(pr).draft).toBe(true);
    for (const s of [alice, bob])
      expect((await s.tufci('sign', 'sign/init', '--yes')).code).toBe(0);
    const done = await action('signing-event', 'sign/init');
    expect(done.outputs.complete).toBe('true');
    expect(pull(pr).draft).toBe(false);
    expect(statusComments(pr)).toHaveLength(1);
    assertNoViolations(fake);
  });

  it('merges, signs online, publishes and tests the published repository', async () => {
    const pr = [...fake.state.items.values()].find((i) => i.kind === 'pull')!.number;
    fake.merge(pr);
    w.merge('sign/init');
    const online = await action('online-sign', 'main', {
      'online-key': w.onlineKeyPem,
      'publish-workflow': 'publish.yml',
    });
    expect(online.outputs.signed).toBe('snapshot,timestamp');
    // the runner hides values announced with ::add-mask::; nothing else may print the key
    const visible = online.stdout.split('\n').filter((l) => !l.startsWith('::add-mask::'));
    expect(visible.join('\n')).not.toContain('PRIVATE KEY');
    expect(online.stdout).toContain('::add-mask::');
    const mainHead = git(w.remote, 'rev-parse', 'refs/heads/main').trim();
    expect(fake.state.workflowDispatches.map((d) => [d.workflowId, d.ref, d.inputs])).toEqual([
      ['publish.yml', 'main', { ref: mainHead }],
    ]);
    const again = await action('online-sign', 'main', {
      'online-key': w.onlineKeyPem,
      'publish-workflow': 'publish.yml',
    });
    expect(again.outputs.signed).toBe('');
    expect(fake.state.workflowDispatches).toHaveLength(1);

    const site = join(w.root, 'site');
    const pub = await action('publish', 'main', { 'output-dir': site });
    expect(pub.outputs.directory).toBe(site);
    expect(Number(pub.outputs['timestamp-version'])).toBe(1);
    const test = await action('test-repository', 'main', { url: `dir:${site}`, 'valid-days': '1' });
    expect(JSON.parse(test.outputs.expires!).timestamp).toMatch(/Z$/);
    // the timestamp lives 2 days: asking for 3 days of validity fails, naming the role
    const short = await runAction('test-repository', {
      workspace: w.ci().dir,
      apiUrl: fake.url,
      repository: `${OWNER}/${REPO}`,
      ref: 'refs/heads/main',
      eventName: 'schedule',
      payload: {},
      inputs: { url: `dir:${site}`, 'valid-days': '3' },
      env: w.env,
    });
    expect(short.code).toBe(1);
    expect(short.stdout).toMatch(
      /::error::remaining validity under 3 days: timestamp \(expires \S+Z\)/,
    );
    assertNoViolations(fake);
  });

  it('reports an artifact event clearly: what changed, who must sign, the exact command', async () => {
    w.pushFiles(alice, 'sign/release-1.0', {
      'targets/app-1.0.tar.gz': 'release 1.0 bytes\n',
      'targets/README.txt': 'read me\n',
    });
    const run = await action('signing-event', 'sign/release-1.0');
    const pr = Number(run.outputs['pr-number']);
    expect(pull(pr).draft).toBe(true);
    const body = statusComments(pr)[0]!.body;
    expect(body).toContain('+ added    "app-1.0.tar.gz"');
    expect(body).toContain('- @bob: `npx tufci sign sign/release-1.0`');
    const goldenPath = join(import.meta.dirname, '..', 'golden', 'status-comment-artifacts.md');
    if (process.env.UPDATE_GOLDEN) writeFileSync(goldenPath, maskComment(body));
    expect(maskComment(body)).toBe(readFileSync(goldenPath, 'utf8'));
    assertNoViolations(fake);
  });
});
