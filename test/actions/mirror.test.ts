/**
 * The mirror action and the template's scheduled Mirror workflow, against two real
 * docker-registry instances that each have their own htpasswd user: a repository
 * published to A is mirrored to B with each registry's credentials given separately
 * (inputs from secrets), then the freshness check passes or fails by `interval`; a
 * scheduled run that fails opens the failure issue. The destination is read back with
 * `tufci verify`, with A stopped.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GitHubFake } from '../helpers/github-fake/index.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { runAction, type ActionRun } from '../helpers/run-action.js';
import { runWorkflow } from '../helpers/workflow-runner.js';
import { Fixture, ok } from '../oci-publish/support.js';
import { OWNER, REPO, fakeFor } from './support.js';

const A = { username: 'alice-src', password: 'source pass' };
const B = { username: 'bob-dst', password: 'destination pass' };

describe('the mirror action and the scheduled Mirror workflow', () => {
  const fx = new Fixture();
  let a: TestRegistry;
  let b: TestRegistry;
  let fake: GitHubFake;
  let src: string;
  let dst: string;
  const creds = (c: typeof A) => ({
    ...fx.w.env,
    TUFCI_REGISTRY_USERNAME: c.username,
    TUFCI_REGISTRY_PASSWORD: c.password,
  });

  beforeAll(async () => {
    [a, b] = await Promise.all([startRegistry({ auth: A }), startRegistry({ auth: B })]);
    fake = await fakeFor(fx.w);
    await fx.bootstrap();
    await fx.event({ 'a.txt': 'alpha\n', 'docs/b.txt': 'bravo\n' });
    src = `oci://${a.host}/acme/tuf`;
    dst = `oci://${b.host}/mirror/tuf`;
    ok('publish', await fx.tufciWith({ env: creds(A) }, 'publish', '--to', src));
  }, 180_000);
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop(), fake?.stop()]);
    fx.cleanup();
  });

  const mirrorAction = (inputs: Record<string, string>): Promise<ActionRun> =>
    runAction('mirror', {
      workspace: fx.ci.dir,
      apiUrl: fake.url,
      repository: `${OWNER}/${REPO}`,
      ref: 'refs/heads/main',
      eventName: 'schedule',
      payload: {},
      inputs: {
        source: src,
        destination: dst,
        root: 'metadata/root_history/1.root.json',
        'source-username': A.username,
        'source-password': A.password,
        'destination-username': B.username,
        'destination-password': B.password,
        ...inputs,
      },
      env: fx.w.env,
    });

  it('mirrors A to B, each with its own credentials, and passes the freshness check', async () => {
    const r = await mirrorAction({ interval: '1h' });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain(`Mirrored ${src} to ${dst}: timestamp version`);
    expect(r.stdout).toMatch(/The destination's timestamp expires at \S+Z \(in /);
    expect(r.outputs.unchanged).toBe('false');
    expect(Number(r.outputs['timestamp-version'])).toBeGreaterThan(0);
    expect(new Date(r.outputs.expires!).getTime()).toBeGreaterThan(Date.now());
    expect(r.summary).toContain(`Mirrored ${src} to ${dst}`);
    // the secrets are masked (the runner is told to), never printed
    const printed = r.stdout.replace(/^::add-mask::.*$/gm, '');
    expect(printed).not.toContain(A.password);
    expect(printed).not.toContain(B.password);
    const v = await fx.tufciWith(
      { env: creds(B) },
      'verify',
      '--from',
      dst,
      '--root',
      fx.root1,
      '--target',
      'docs/b.txt',
      '--no-cache',
    );
    expect(v.err).toBe('');
    expect(v.out).toContain('Target "docs/b.txt" verified');
  });

  it('a second run is unchanged; a timestamp that expires within interval fails the step', async () => {
    const again = await mirrorAction({ interval: '1h' });
    expect(again.code, again.stdout).toBe(0);
    expect(again.outputs.unchanged).toBe('true');
    expect(again.stdout).toContain(`${dst} is up to date`);
    const late = await mirrorAction({ interval: '30d' });
    expect(late.code).toBe(1);
    expect(late.stdout).toMatch(
      /::error::oci:\/\/.*mirror\/tuf: the timestamp expires in .*, before the next run \(input interval 30d\)/,
    );
    expect(late.stdout).not.toMatch(/^\s+at /m);
  });

  it('the source password is wrong: the step fails naming the source registry', async () => {
    const r = await mirrorAction({ 'source-password': 'not it' });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(
      `::error::${a.host} refused access (HTTP 401, no valid credentials; the source registry): give its credentials with inputs source-username/source-password or in ~/.docker/config.json for ${a.host}.`,
    );
    expect(r.stdout.replace(/^::add-mask::.*$/gm, '')).not.toContain('not it');
    const half = await mirrorAction({ 'destination-password': '' });
    expect(half.code).toBe(1);
    expect(half.stdout).toContain('inputs destination-username and destination-password');
  });

  it('the template’s scheduled workflow keeps the mirror fresh, and opens an issue when it cannot', async () => {
    await fx.event({ 'a.txt': 'alpha v2\n' });
    ok('publish change', await fx.tufciWith({ env: creds(A) }, 'publish', '--to', src));
    const workflow = (interval: string) =>
      runWorkflow(join('templates', 'repository', '.github', 'workflows', 'mirror.yml'), {
        world: fx.w,
        fake,
        owner: OWNER,
        repo: REPO,
        event: 'schedule',
        branch: 'main',
        vars: {
          TUFCI_MIRROR_SOURCE: src,
          TUFCI_MIRROR_DESTINATION: dst,
          TUFCI_MIRROR_INTERVAL: interval,
          TUFCI_MIRROR_SOURCE_USERNAME: A.username,
          TUFCI_MIRROR_DESTINATION_USERNAME: B.username,
        },
        secrets: {
          TUFCI_MIRROR_SOURCE_PASSWORD: A.password,
          TUFCI_MIRROR_DESTINATION_PASSWORD: B.password,
        },
      });
    const fresh = await workflow('');
    expect(fresh.mirror?.result, fresh.mirror?.log.join('\n')).toBe('success');
    expect(fresh.mirror?.log.join('\n')).toContain(`Mirrored ${src} to ${dst}`);
    expect(fresh.report?.result, fresh.report?.log.join('\n')).toBe('success');
    expect(fake.state.issues).toHaveLength(0);

    const stale = await workflow('30d');
    expect(stale.mirror?.result).toBe('failure');
    expect(stale.mirror?.log.join('\n')).toContain('before the next run (input interval 30d)');
    expect(stale.report?.result, stale.report?.log.join('\n')).toBe('success');
    expect(fake.state.issues.filter((i) => i.state === 'open')).toHaveLength(1);

    // what the scheduled run mirrored verifies at B with A stopped
    await a.stop();
    const v = await fx.tufciWith(
      { env: creds(B) },
      'verify',
      '--from',
      dst,
      '--root',
      fx.root1,
      '--target',
      'a.txt',
      '--no-cache',
    );
    expect(v.err).toBe('');
    expect(v.out).toContain('Target "a.txt" verified: 9 bytes');
  });
});
