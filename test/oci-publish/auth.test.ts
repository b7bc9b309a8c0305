/**
 * A registry behind htpasswd (basic auth): publish, add-artifact and verify with
 * credentials from flags, from TUFCI_REGISTRY_USERNAME/PASSWORD, and from
 * ~/.docker/config.json; without them a clear error, and the password never printed.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistryClient, type Descriptor } from '../../lib/oci/index.js';
import type { Ctx } from '../../signer-cli/context.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { pushArtifact, randomData } from '../oci/support.js';
import { Fixture, ok } from './support.js';

const USER = 'publisher';
const PASS = 's3cret-registry-pass';
let registry: TestRegistry;
let host: string;
let web: Descriptor;
const fx = new Fixture();

beforeAll(async () => {
  registry = await startRegistry({ auth: { username: USER, password: PASS } });
  host = registry.host;
  const client = new RegistryClient(host, { credentials: { username: USER, password: PASS } });
  web = (
    await pushArtifact(client.repository('apps/web'), {
      files: [{ name: 'web', data: randomData(300) }],
      tag: 'v1',
    })
  ).descriptor;
  await fx.bootstrap();
  await fx.event({ 'a.txt': 'alpha\n' });
});
afterAll(async () => {
  await registry?.stop();
  fx.cleanup();
});

const envWith = (extra: Record<string, string>): Partial<Ctx> => ({
  env: { ...fx.w.env, ...extra },
});

describe('registry credentials', () => {
  it('without credentials: a clear error, no stack', async () => {
    const r = await fx.tufci('publish', '--to', `oci://${host}/acme/tuf`);
    expect(r.code).toBe(4);
    expect(r.err).toMatch(/^error: publish to oci:\/\/.*HTTP 401/);
    expect(r.err).toContain('--registry-username');
  });

  it('flags: publish and add-artifact; the password is never printed', async () => {
    const passFile = join(fx.w.root, 'registry-pass');
    writeFileSync(passFile, `${PASS}\n`);
    const flags = ['--registry-username', USER, '--registry-password-file', passFile];
    const add = await fx.alice.tufci(
      'add-artifact',
      'sign/web',
      `oci://${host}/apps/web:v1`,
      ...flags,
    );
    ok('add-artifact', add);
    await fx.signEvent('sign/web');
    const pub = ok(
      'publish',
      await fx.tufci('publish', '--to', `oci://${host}/acme/tuf`, ...flags),
    );
    expect(pub.out).toContain('pointer for "apps/web:v1": attached');
    for (const r of [add, pub]) expect(r.out + r.err).not.toContain(PASS);
  });

  it('env: TUFCI_REGISTRY_USERNAME / TUFCI_REGISTRY_PASSWORD', async () => {
    const env = envWith({ TUFCI_REGISTRY_USERNAME: USER, TUFCI_REGISTRY_PASSWORD: PASS });
    const v = ok(
      'verify',
      await fx.tufciWith(env, 'verify', `oci://${host}/apps/web@${web.digest}`, '--root', fx.root1),
    );
    expect(v.out).toContain('is signed as target "apps/web:v1"');
    expect(v.out + v.err).not.toContain(PASS);
  });

  it('~/.docker/config.json', async () => {
    const home = join(fx.w.root, 'docker-home');
    mkdirSync(join(home, '.docker'), { recursive: true });
    const auth = Buffer.from(`${USER}:${PASS}`).toString('base64');
    writeFileSync(
      join(home, '.docker', 'config.json'),
      JSON.stringify({ auths: { [host]: { auth } } }),
    );
    const v = ok(
      'verify',
      await fx.tufciWith(
        envWith({ HOME: home }),
        'verify',
        '--from',
        `oci://${host}/acme/tuf`,
        '--root',
        fx.root1,
        '--target',
        'a.txt',
      ),
    );
    expect(v.out).toContain('Target "a.txt" verified');
  });
});
