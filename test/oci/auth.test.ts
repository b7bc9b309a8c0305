import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  OciError,
  RegistryClient,
  dockerConfigPath,
  parseChallenges,
  resolveCredentials,
} from '../../lib/oci/index.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { startBearerGate, type BearerGate } from './bearer-gate.js';
import { randomData, recorder } from './support.js';

const USER = 'ci-user';
const PASS = 'S3cret-pass-word';

let secured: TestRegistry;
let open: TestRegistry;
let gate: BearerGate;
let work: string;

beforeAll(async () => {
  [secured, open] = await Promise.all([
    startRegistry({ auth: { username: USER, password: PASS } }),
    startRegistry(),
  ]);
  gate = await startBearerGate(open.url, { [USER]: PASS });
  work = await mkdtemp(join(tmpdir(), 'tufci-oci-auth-'));
});
afterAll(async () => {
  await gate?.close();
  await Promise.all([secured?.stop(), open?.stop()]);
  await rm(work, { recursive: true, force: true });
});

describe('basic auth (htpasswd registry)', () => {
  it('fails with 401 without credentials, naming the registry', async () => {
    const repo = new RegistryClient(secured.host).repository('auth/basic');
    const err = (await repo.putBlob(randomData(10)).catch((e: unknown) => e)) as OciError;
    expect(err).toBeInstanceOf(OciError);
    expect(err.kind).toBe('unauthorized');
    expect(err.status).toBe(401);
    expect(err.message).toContain(`${secured.host}/auth/basic`);
  });

  it('pings /v2/: unauthorized without credentials, fine with them', async () => {
    await expect(new RegistryClient(secured.host).ping()).rejects.toMatchObject({
      kind: 'unauthorized',
      status: 401,
    });
    await new RegistryClient(secured.host, {
      credentials: { username: USER, password: PASS },
    }).ping();
    await new RegistryClient(open.host).ping();
  });

  it('fails with wrong credentials, without leaking them', async () => {
    const repo = new RegistryClient(secured.host, {
      credentials: { username: USER, password: 'wrong-password-xyz' },
    }).repository('auth/basic');
    const err = (await repo.getManifest('latest').catch((e: unknown) => e)) as OciError;
    expect(err.kind).toBe('unauthorized');
    expect(`${err.message} ${err.stack}`).not.toContain('wrong-password-xyz');
  });

  it('pushes and pulls with credentials, sending them up front after the first 401', async () => {
    const rec = recorder();
    const repo = new RegistryClient(secured.host, {
      credentials: { username: USER, password: PASS },
      onRequest: rec.onRequest,
    }).repository('auth/basic');
    const d = await repo.putBlob(randomData(100));
    expect(Buffer.from(await repo.getBlob(d.digest)).length).toBe(100);
    expect(rec.log.filter((r) => r.status === 401).length).toBe(1);
  });

  it('resolves credentials from explicit options, an env map, then docker config.json', async () => {
    const config = join(work, 'docker', 'config.json');
    await rm(join(work, 'docker'), { recursive: true, force: true });
    const { mkdir } = await import('node:fs/promises');
    await mkdir(join(work, 'docker'));
    const auth = Buffer.from(`${USER}:${PASS}`).toString('base64');
    await writeFile(config, JSON.stringify({ auths: { [`http://${secured.host}`]: { auth } } }));
    expect(dockerConfigPath('/home/x', { DOCKER_CONFIG: join(work, 'docker') })).toBe(config);
    expect(dockerConfigPath('/home/x')).toBe('/home/x/.docker/config.json');

    const fromFile = await resolveCredentials(secured.host, { dockerConfigPath: config });
    expect(fromFile).toEqual({ username: USER, password: PASS });
    expect(
      await resolveCredentials('other.example:5000', { dockerConfigPath: config }),
    ).toBeUndefined();
    expect(
      await resolveCredentials(secured.host, { dockerConfigPath: join(work, 'missing.json') }),
    ).toBeUndefined();

    const env = { TUFCI_REGISTRY_USERNAME: 'env-user', TUFCI_REGISTRY_PASSWORD: 'env-pass' };
    expect(await resolveCredentials(secured.host, { env, dockerConfigPath: config })).toEqual({
      username: 'env-user',
      password: 'env-pass',
    });
    expect(
      await resolveCredentials(secured.host, { explicit: { username: 'me', password: 'pw' }, env }),
    ).toEqual({ username: 'me', password: 'pw' });

    const repo = new RegistryClient(secured.host, { credentials: fromFile }).repository(
      'auth/file',
    );
    const d = await repo.putBlob(randomData(10));
    expect(await repo.hasBlob(d.digest)).toBe(true);
  });

  it('reports a broken docker config without quoting it', async () => {
    const config = join(work, 'broken.json');
    await writeFile(config, '{"auths": {"x": {"auth": "c2VjcmV0LXZhbHVl"');
    const err = (await resolveCredentials('x', { dockerConfigPath: config }).catch(
      (e: unknown) => e,
    )) as Error;
    expect(err.message).toContain('is not JSON');
    expect(err.message).not.toContain('c2VjcmV0');
  });
});

describe('bearer token flow', () => {
  it('parses WWW-Authenticate challenges', () => {
    expect(
      parseChallenges(
        'Bearer realm="https://auth.example/token",service="reg",scope="repository:a/b:pull,push"',
      ),
    ).toEqual([
      {
        scheme: 'bearer',
        params: {
          realm: 'https://auth.example/token',
          service: 'reg',
          scope: 'repository:a/b:pull,push',
        },
      },
    ]);
    expect(parseChallenges('Basic realm="test-registry"')).toEqual([
      { scheme: 'basic', params: { realm: 'test-registry' } },
    ]);
    expect(parseChallenges('Basic realm="a, b", Bearer realm=x')).toEqual([
      { scheme: 'basic', params: { realm: 'a, b' } },
      { scheme: 'bearer', params: { realm: 'x' } },
    ]);
  });

  it('fetches a token with basic credentials on 401, caches it per scope, and pushes and pulls', async () => {
    gate.tokenRequests.length = 0;
    const repo = new RegistryClient(gate.host, {
      credentials: { username: USER, password: PASS },
    }).repository('bearer/a');
    const blobs = [randomData(10), randomData(20), randomData(30)];
    const ds = [];
    for (const b of blobs) ds.push(await repo.putBlob(b));
    for (const d of ds) expect((await repo.getBlob(d.digest)).length).toBe(d.size);
    // One token for the pull scope (first HEAD), one for pull,push (first POST); then cached.
    expect(gate.tokenRequests).toEqual([
      { scopes: ['repository:bearer/a:pull'], service: 'gate', user: USER },
      { scopes: ['repository:bearer/a:pull,push'], service: 'gate', user: USER },
    ]);
  });

  it('shares one token fetch between parallel requests', async () => {
    const writer = new RegistryClient(gate.host, {
      credentials: { username: USER, password: PASS },
    });
    const ds = await Promise.all(
      [1, 2, 3, 4].map((n) => writer.repository('bearer/par').putBlob(randomData(n))),
    );
    gate.tokenRequests.length = 0;
    const reader = new RegistryClient(gate.host, {
      credentials: { username: USER, password: PASS },
    });
    const repo = reader.repository('bearer/par');
    const sizes = await Promise.all(ds.map(async (d) => (await repo.getBlob(d.digest)).length));
    expect(sizes).toEqual([1, 2, 3, 4]);
    expect(gate.tokenRequests.length).toBe(1);
  });

  it('asks for both scopes when mounting from another repository', async () => {
    const client = new RegistryClient(gate.host, {
      credentials: { username: USER, password: PASS },
    });
    const data = randomData(50);
    await client.repository('bearer/src').putBlob(data);
    gate.tokenRequests.length = 0;
    const before = gate.requests.length;
    await client.repository('bearer/dst').putBlob(data, { mountFrom: 'bearer/src' });
    expect(gate.tokenRequests.at(-1)?.scopes.sort()).toEqual([
      'repository:bearer/dst:pull,push',
      'repository:bearer/src:pull',
    ]);
    expect(
      gate.requests
        .slice(before)
        .filter((r) => r.status !== 401)
        .map((r) => `${r.method} ${r.status}`),
    ).toEqual(['HEAD 404', 'POST 201']);
  });

  it('renews an expired token before use when given a clock', async () => {
    let now = 1_000_000;
    const repo = new RegistryClient(gate.host, {
      credentials: { username: USER, password: PASS },
      now: () => now,
    }).repository('bearer/clock');
    const d = await repo.putBlob(randomData(5));
    gate.tokenRequests.length = 0;
    await repo.getBlob(d.digest);
    expect(gate.tokenRequests.length).toBe(0);
    now += 600_000;
    await repo.getBlob(d.digest);
    expect(gate.tokenRequests.length).toBe(1);
  });

  it('fails as unauthorized when the token server refuses, without leaking the password', async () => {
    const repo = new RegistryClient(gate.host, {
      credentials: { username: USER, password: 'not-the-password' },
    }).repository('bearer/a');
    const err = (await repo.getManifest('latest').catch((e: unknown) => e)) as OciError;
    expect(err).toBeInstanceOf(OciError);
    expect(err.kind).toBe('unauthorized');
    expect(err.message).toContain('get bearer token');
    expect(err.message).not.toContain('not-the-password');
    const anonymous = new RegistryClient(gate.host).repository('bearer/a');
    await expect(anonymous.getManifest('latest')).rejects.toMatchObject({
      kind: 'unauthorized',
      status: 401,
    });
  });
});
