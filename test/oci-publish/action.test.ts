/**
 * The publish action, run as the runner runs it (`node actions/publish/dist/index.js`),
 * with the OCI destination and registry credentials as inputs: it publishes to a
 * registry behind htpasswd, verifies from it, and the password is masked.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { runAction } from '../helpers/run-action.js';
import { Fixture, ok } from './support.js';

const USER = 'ci';
const PASS = 'action-registry-secret';
let registry: TestRegistry;
const fx = new Fixture();

beforeAll(async () => {
  registry = await startRegistry({ auth: { username: USER, password: PASS } });
  await fx.bootstrap();
  await fx.event({ 'a.txt': 'alpha\n', 'docs/b.txt': 'bravo\n' });
});
afterAll(async () => {
  await registry?.stop();
  fx.cleanup();
});

const run = (inputs: Record<string, string>) =>
  runAction('publish', {
    workspace: fx.ci.dir,
    apiUrl: 'http://127.0.0.1:9',
    repository: 'acme/tuf',
    ref: 'refs/heads/main',
    eventName: 'push',
    payload: {},
    inputs: { 'output-dir': join(fx.w.root, 'site'), ...inputs },
    env: { PATH: process.env.PATH, HOME: fx.w.root },
  });

describe('publish action with an OCI destination', () => {
  it('publishes to the registry with the credentials given as inputs, masked', async () => {
    const to = `oci://${registry.host}/acme/tuf`;
    const r = await run({
      'oci-destination': to,
      'registry-username': USER,
      'registry-password': PASS,
    });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`::add-mask::${PASS}`);
    expect(r.stdout.replace(`::add-mask::${PASS}`, '')).not.toContain(PASS);
    expect(r.stdout).toContain(`Published to ${to}:`);
    expect(r.outputs['oci-destination']).toBe(to);
    expect(Number(r.outputs['oci-timestamp-version'])).toBe(
      fx.tree().roles.get('timestamp')!.signed.version,
    );
    const v = ok(
      'verify',
      await fx.tufciWith(
        { env: { ...fx.w.env, TUFCI_REGISTRY_USERNAME: USER, TUFCI_REGISTRY_PASSWORD: PASS } },
        'verify',
        '--from',
        to,
        '--root',
        fx.root1,
        '--target',
        'docs/b.txt',
      ),
    );
    expect(v.out).toContain('Target "docs/b.txt" verified');
  });

  it('fails with a clear message without credentials', async () => {
    const r = await run({ 'oci-destination': `oci://${registry.host}/acme/tuf` });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/::error::publish to oci:\/\/.*HTTP 401/);
  });
});
