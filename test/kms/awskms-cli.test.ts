/**
 * awskms: through the real built CLI (and the online-sign action's bundle, run the way the
 * runner runs it) against moto's KMS server: `tufci key public` gives the key for
 * `init --online-key`, a signing event is signed and merged, snapshot and timestamp are
 * signed in KMS (by the CLI, then by the action with the key's ARN as its input),
 * published, and verified by python-tuf's ngclient and by tuf-js (`tufci verify`).
 *
 * Then each KMS failure through `tufci online-sign`, with its message and exit code:
 * no credentials, key not found, disabled, wrong usage, wrong spec, access denied (5, a
 * signer failure); throttling retried with backoff (then 0, or 5 when it never ends);
 * network down (4). Nothing but the key's URI reaches the output: no credential, no key
 * material, no SDK warning, no stack; and a failure leaves metadata/ as it was.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GetPublicKeyCommand } from '@aws-sdk/client-kms';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ok, tufci, type CliResult as Result } from '../helpers/built-cli.js';
import { startFaultProxy, type FaultProxy } from '../helpers/fault-proxy.js';
import { startMoto, type Moto } from '../helpers/moto.js';
import { ngclient, type DownloadedTarget } from '../helpers/python-tuf.js';
import { freePort } from '../helpers/registry.js';
import { runAction } from '../helpers/run-action.js';
import { serveDir } from '../helpers/static-server.js';
import { World, git, type Clone } from '../helpers/world.js';

const sha256 = (s: string | Buffer): string => createHash('sha256').update(s).digest('hex');
const STACK = /^\s+at /m;

/** The SPKI body of a PEM, one line: what must not be printed by signing commands. */
const pemBody = (pem: string): string =>
  pem
    .split('\n')
    .filter((l) => l && !l.startsWith('-----'))
    .join('');

/** KMS answers with this for a throttled call (the JSON protocol's error shape). */
const throttled = {
  status: 400,
  headers: { 'content-type': 'application/x-amz-json-1.1' },
  body: JSON.stringify({ __type: 'ThrottlingException', message: 'Rate exceeded' }),
};
const isSign = (_m: string, _u: string, h: Record<string, unknown>): boolean =>
  h['x-amz-target'] === 'TrentService.Sign';

/** The environment a CI step has: git, the World's settings, and AWS's (no online PEM). */
function ciEnv(w: World, moto: Moto, extra: Record<string, string | undefined> = {}) {
  const env: Record<string, string | undefined> = {
    ...w.env,
    ...moto.env,
    AWS_EC2_METADATA_DISABLED: 'true',
    ...extra,
  };
  delete env.TUFCI_ONLINE_KEY;
  return env;
}

describe('awskms: the full flow through the built CLI and the online-sign action', () => {
  let moto: Moto;
  let proxy: FaultProxy;
  const w = new World();
  const alice = w.clone('alice');
  const bob = w.clone('bob');
  const URI = 'awskms:alias/tuf-online';
  let key: { id: string; arn: string };
  let pem = '';
  let env: Record<string, string | undefined> = {};

  beforeAll(async () => {
    moto = await startMoto();
    key = await moto.createKey('ECC_NIST_P256');
    await moto.alias('alias/tuf-online', key.id);
    // every KMS call of the signing commands goes through the proxy, so it can be counted
    proxy = await startFaultProxy(moto.url);
    env = ciEnv(w, moto, { AWS_ENDPOINT_URL: proxy.url });
  }, 60_000);
  afterAll(async () => {
    await proxy?.close();
    await moto?.stop();
    w.cleanup();
  });

  /** Whatever a signing command printed holds no credential and no key material. */
  const noSecrets = (text: string): void => {
    expect(text).not.toContain(moto.env.AWS_SECRET_ACCESS_KEY);
    expect(text).not.toContain(pemBody(pem));
    expect(text).not.toContain('PRIVATE KEY');
    expect(text).not.toContain('PUBLIC KEY');
  };

  it('key public prints the KMS key; init writes it into root with the URI', async () => {
    const pub = ok('key public', await tufci(alice.dir, env, 'key', 'public', URI));
    expect(pub.err).toBe('');
    pem = `${pub.out.trim()}\n`;
    // the same key KMS holds
    const der = (await moto.kms.send(new GetPublicKeyCommand({ KeyId: key.id }))).PublicKey!;
    expect(pemBody(pem)).toBe(Buffer.from(der).toString('base64'));
    const file = join(w.root, 'kms-online.pub');
    writeFileSync(file, pem);

    const init = await tufci(
      alice.dir,
      env,
      ...['init', '--root-signers', '@alice,@bob', '--root-threshold', '2'],
      ...['--targets-signers', '@alice,@bob', '--targets-threshold', '2'],
      ...['--online-key', file, '--online-uri', URI, '--key', `@bob=${bob.pubfile}`],
    );
    ok('init', init);
    expect(init.err).toBe('');
    const root = JSON.parse(git(w.remote, 'show', 'sign/init:metadata/root.json'));
    const [onlineId] = root.signed.roles.timestamp.keyids as string[];
    expect(root.signed.roles.snapshot.keyids).toEqual([onlineId]);
    expect(root.signed.keys[onlineId!]).toMatchObject({
      keytype: 'ecdsa',
      scheme: 'ecdsa-sha2-nistp256',
      keyval: { public: pem },
      'x-tuf-on-ci-online-uri': URI,
    });
    w.sync(bob, 'sign/init');
    ok('sign', await tufci(bob.dir, env, 'sign', 'sign/init', '--yes'));
    w.merge('sign/init');
  });

  it('online-sign signs snapshot and timestamp in KMS; stderr is clean', async () => {
    const ci = w.ci();
    const before = proxy.requests.length;
    const r = ok('online-sign', await tufci(ci.dir, env, 'online-sign', '--push'));
    // no SDK warning (NodeVersionSupportWarning on Node 20), no notice, nothing
    expect(r.err).toBe('');
    expect(r.out).toContain('Signed snapshot, timestamp with the online key.');
    noSecrets(r.out);
    const signs = proxy.requests.slice(before).filter((q) => isSign('', '', q.headers));
    expect(signs.map((q) => JSON.parse(q.body.toString()).KeyId)).toEqual([
      'alias/tuf-online',
      'alias/tuf-online',
    ]);
    const ts = JSON.parse(git(w.remote, 'show', 'main:metadata/timestamp.json'));
    // the signature is KMS's (DER ECDSA) and never printed
    expect(ts.signatures).toHaveLength(1);
    expect(r.out).not.toContain(ts.signatures[0].sig);
  });

  it('a signing event, merged, signed online by the action with the ARN, published and verified', async () => {
    w.pushFiles(alice, 'sign/app', { 'targets/app.txt': 'app v1\n' });
    const ev = w.ci('sign/app');
    ok('event update', await tufci(ev.dir, env, 'event', 'update', '--push'));
    for (const c of [alice, bob] as Clone[]) {
      w.sync(c, 'sign/app');
      ok(`sign by ${c.user}`, await tufci(c.dir, env, 'sign', 'sign/app', '--yes'));
    }
    w.merge('sign/app');

    const onlineSignAction = (uri: string, workspace = w.ci().dir) =>
      runAction('online-sign', {
        workspace,
        apiUrl: 'http://127.0.0.1:9', // not used: no publish workflow is dispatched
        repository: 'tufci-test/repository',
        ref: 'refs/heads/main',
        eventName: 'push',
        payload: { ref: 'refs/heads/main' },
        inputs: { token: 'ghs_test-token', 'online-key-uri': uri },
        env,
      });
    // a KMS refusal fails the step with one message and no stack, and pushes nothing
    const mainBefore = w.remoteRef('main');
    const refused = await onlineSignAction('awskms:alias/no-such-key');
    expect(refused.code).toBe(1);
    expect(refused.stdout).toContain(
      '::error::AWS KMS key alias/no-such-key: no such key in region us-east-1',
    );
    expect(refused.stdout + refused.stderr).not.toMatch(STACK);
    expect(refused.stderr).toBe('');
    expect(w.remoteRef('main')).toBe(mainBefore);

    const before = proxy.requests.length;
    const action = await onlineSignAction(`awskms:${key.arn}`);
    expect(action.code, `${action.stdout}\n${action.stderr}`).toBe(0);
    expect(action.outputs.signed).toBe('snapshot,timestamp');
    expect(action.stderr).toBe('');
    noSecrets(action.stdout);
    const signs = proxy.requests.slice(before).filter((q) => isSign('', '', q.headers));
    expect(signs.map((q) => JSON.parse(q.body.toString()).KeyId)).toEqual([key.arn, key.arn]);

    const ci = w.ci();
    const site = join(w.root, 'site');
    const pub = ok('publish', await tufci(ci.dir, env, 'publish', '--to', `dir:${site}`));
    expect(pub.err).toBe('');
    const out = join(w.root, 'app.out');
    const v = await tufci(
      ci.dir,
      env,
      ...['verify', '--from', `dir:${site}`, '--root', join(site, '1.root.json')],
      ...['--target', 'app.txt', '--out', out],
    );
    ok('verify', v);
    expect(v.err).toBe('');
    expect(readFileSync(out, 'utf8')).toBe('app v1\n');

    const server = await serveDir(site);
    try {
      const res = await ngclient({
        trustedRoot: join(site, '1.root.json'),
        baseUrl: server.url,
        workDir: mkdtempSync(join(w.root, 'py-')),
        targets: ['app.txt'],
      });
      expect(res.error).toBeUndefined();
      expect(res.versions).toMatchObject({ root: 1, snapshot: 2, timestamp: 2, targets: 2 });
      expect((res.targets['app.txt'] as DownloadedTarget).sha256).toBe(sha256('app v1\n'));
    } finally {
      await server.close();
    }
  });
});

describe('awskms: each failure through the built CLI', () => {
  let moto: Moto;
  const w = new World();
  const alice = w.clone('alice');
  const URI = 'awskms:alias/tuf-online';
  let key: { id: string; arn: string };
  let pem = '';

  beforeAll(async () => {
    moto = await startMoto();
    key = await moto.createKey('ECC_NIST_P256');
    await moto.alias('alias/tuf-online', key.id);
    const env = ciEnv(w, moto);
    pem = ok('key public', await tufci(alice.dir, env, 'key', 'public', URI)).out;
    const file = join(w.root, 'kms-online.pub');
    writeFileSync(file, pem);
    ok(
      'init',
      await tufci(
        alice.dir,
        env,
        ...['init', '--root-signers', '@alice', '--root-threshold', '1'],
        ...['--targets-signers', '@alice', '--targets-threshold', '1'],
        ...['--online-key', file, '--online-uri', URI],
      ),
    );
    w.merge('sign/init');
    // main now needs its first snapshot and timestamp: every test below tries to sign them
  }, 120_000);
  afterAll(async () => {
    await moto?.stop();
    w.cleanup();
  });

  /**
   * `tufci online-sign` in a fresh CI checkout of main; on failure: one `error:` line with
   * `message`, exit `code`, no stack, no secret, no SDK warning, metadata/ untouched.
   */
  async function fails(
    code: number,
    message: string,
    env: Record<string, string | undefined>,
    ...args: string[]
  ): Promise<Result> {
    const ci = w.ci();
    const r = await tufci(ci.dir, env, 'online-sign', ...args);
    expect(r.code, `${r.err}\n${r.out}`).toBe(code);
    expect(r.err).toMatch(/^error: /);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.err).toContain(message);
    expect(r.err).not.toMatch(STACK);
    expect(r.err).not.toContain('Warning');
    const all = r.out + r.err;
    expect(all).not.toContain(moto.env.AWS_SECRET_ACCESS_KEY);
    expect(all).not.toContain(moto.env.AWS_ACCESS_KEY_ID);
    expect(all).not.toContain(pemBody(pem));
    expect(all).not.toContain('PUBLIC KEY');
    expect(git(ci.dir, 'status', '--porcelain')).toBe('');
    expect(git(ci.dir, 'log', '-1', '--format=%s')).not.toContain('Online signing');
    return r;
  }

  it('credentials from a web identity token (GitHub OIDC): STS first, then KMS with the session', async () => {
    // what the SDK's standard chain does with AWS_WEB_IDENTITY_TOKEN_FILE and AWS_ROLE_ARN:
    // AssumeRoleWithWebIdentity at STS (moto here, through AWS_ENDPOINT_URL), then every KMS
    // call signed with the temporary keys STS returned
    const proxy = await startFaultProxy(moto.url);
    try {
      const token = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJyZXBvOnR1ZmNpL21haW4ifQ.c2lnbmF0dXJl';
      const tokenFile = join(w.root, 'oidc-token');
      writeFileSync(tokenFile, token);
      const env = ciEnv(w, moto, {
        AWS_ACCESS_KEY_ID: undefined,
        AWS_SECRET_ACCESS_KEY: undefined,
        AWS_WEB_IDENTITY_TOKEN_FILE: tokenFile,
        AWS_ROLE_ARN: 'arn:aws:iam::123456789012:role/tuf-online-sign',
        AWS_ENDPOINT_URL: proxy.url,
      });
      const ci = w.ci();
      const r = await tufci(ci.dir, env, 'online-sign');
      expect(r.code, r.err).toBe(0);
      expect(r.err).toBe('');
      expect(r.out).not.toContain(token);
      // one client for snapshot and timestamp: one exchange, one key lookup, two signatures
      expect(proxy.requests.map((q) => q.headers['x-amz-target'] ?? 'STS')).toEqual([
        'STS',
        'TrentService.DescribeKey',
        'TrentService.GetPublicKey',
        'TrentService.Sign',
        'TrentService.Sign',
      ]);
      const [sts, ...kms] = proxy.requests;
      const form = new URLSearchParams(sts!.body.toString());
      expect(form.get('Action')).toBe('AssumeRoleWithWebIdentity');
      expect(form.get('RoleArn')).toBe('arn:aws:iam::123456789012:role/tuf-online-sign');
      expect(form.get('WebIdentityToken')).toBe(token);
      const keyIds = kms.map(
        (q) => /Credential=([A-Z0-9]+)\//.exec(String(q.headers.authorization))?.[1],
      );
      expect(new Set(keyIds).size).toBe(1);
      expect(keyIds[0]).toMatch(/^ASIA/); // a session's key, not a long-lived one
    } finally {
      await proxy.close();
    }
  });

  it('no credentials: 5, says where credentials come from', async () => {
    const env = ciEnv(w, moto, { AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined });
    await fails(5, `AWS KMS key alias/tuf-online: no AWS credentials found`, env);
    const r = await fails(5, 'aws-actions/configure-aws-credentials', env);
    expect(r.err).toContain('AWS_ACCESS_KEY_ID');
  });

  it('no region: 5, names AWS_REGION', async () => {
    const env = ciEnv(w, moto, { AWS_REGION: undefined });
    await fails(
      5,
      `AWS KMS key alias/tuf-online: no AWS region (use the key's ARN, or set AWS_REGION)`,
      env,
    );
  });

  it('key not found: 5, names the key and the region', async () => {
    await fails(
      5,
      'AWS KMS key alias/no-such-key: no such key in region us-east-1',
      ciEnv(w, moto),
      '--online-uri',
      'awskms:alias/no-such-key',
    );
  });

  it('key disabled: 5, says to enable it', async () => {
    const k = await moto.createKey('ECC_NIST_P256');
    await moto.disable(k.id);
    await fails(
      5,
      `AWS KMS key ${k.id}: the key is Disabled in region us-east-1; enable it to sign`,
      ciEnv(w, moto),
      '--online-uri',
      `awskms:${k.id}`,
    );
  });

  it('wrong key usage or spec: 5, names what it is and what it must be', async () => {
    const enc = await moto.createKey('RSA_2048', 'ENCRYPT_DECRYPT');
    await fails(
      5,
      `AWS KMS key ${enc.id}: a ENCRYPT_DECRYPT key of spec RSA_2048 cannot sign TUF metadata ` +
        '(use KeyUsage SIGN_VERIFY with ECC_NIST_P256, RSA_2048, RSA_3072, RSA_4096)',
      ciEnv(w, moto),
      '--online-uri',
      `awskms:${enc.id}`,
    );
    const p384 = await moto.createKey('ECC_NIST_P384');
    await fails(
      5,
      `AWS KMS key ${p384.id}: a SIGN_VERIFY key of spec ECC_NIST_P384 cannot sign TUF metadata`,
      ciEnv(w, moto),
      '--online-uri',
      `awskms:${p384.id}`,
    );
  });

  it('a KMS key that is not the online key in root: 5, names both', async () => {
    const other = await moto.createKey('ECC_NIST_P256');
    await fails(
      5,
      `AWS KMS key ${other.id}: online key`,
      ciEnv(w, moto),
      '--online-uri',
      `awskms:${other.id}`,
    ).then((r) => expect(r.err).toMatch(/is not the snapshot key in root/));
  });

  it('access denied: 5, names the permissions the credentials need', async () => {
    const k = await moto.createKey('ECC_NIST_P256');
    await moto.deny(k.id, 'kms:DescribeKey');
    await fails(
      5,
      `AWS KMS key ${k.id}: AWS refused DescribeKey (access denied): the credentials need ` +
        'kms:DescribeKey, kms:GetPublicKey and kms:Sign on this key',
      ciEnv(w, moto),
      '--online-uri',
      `awskms:${k.id}`,
    );
  });

  it('throttling: retried with backoff, then signed; stderr clean', async () => {
    const proxy = await startFaultProxy(moto.url);
    try {
      proxy.failMatching(isSign, throttled, 2);
      const ci = w.ci();
      const r = await tufci(ci.dir, ciEnv(w, moto, { AWS_ENDPOINT_URL: proxy.url }), 'online-sign');
      expect(r.code, r.err).toBe(0);
      expect(r.err).toBe('');
      expect(r.out).toContain('Signed snapshot, timestamp with the online key.');
      const signs = proxy.requests.filter((q) => isSign('', '', q.headers));
      // snapshot: two throttled, the third signed; timestamp: signed at once
      expect(signs.map((q) => q.status)).toEqual([400, 400, 200, 200]);
      expect(git(ci.dir, 'log', '-1', '--format=%s').trim()).toBe(
        'Online signing: snapshot, timestamp',
      );
    } finally {
      await proxy.close();
    }
  });

  it('throttling that does not end: 5 after AWS_MAX_ATTEMPTS tries', async () => {
    const proxy = await startFaultProxy(moto.url);
    try {
      proxy.failMatching(isSign, throttled, 100);
      await fails(
        5,
        'AWS KMS key alias/tuf-online: AWS KMS kept throttling Sign after retries with backoff; try again later',
        ciEnv(w, moto, { AWS_ENDPOINT_URL: proxy.url, AWS_MAX_ATTEMPTS: '3' }),
      );
      expect(proxy.requests.filter((q) => isSign('', '', q.headers))).toHaveLength(3);
    } finally {
      await proxy.close();
    }
  });

  it('network down: 4, names the region and the failure', async () => {
    const port = await freePort(); // nothing listens there
    await fails(
      4,
      'AWS KMS key alias/tuf-online: cannot reach AWS KMS in region us-east-1 (ECONNREFUSED)',
      ciEnv(w, moto, { AWS_ENDPOINT_URL: `http://127.0.0.1:${port}`, AWS_MAX_ATTEMPTS: '2' }),
    );
    // connections dropped mid-request, every time
    const proxy = await startFaultProxy(moto.url);
    try {
      proxy.failMatching(() => true, { destroy: true }, 100);
      await fails(
        4,
        'AWS KMS key alias/tuf-online: cannot reach AWS KMS in region us-east-1',
        ciEnv(w, moto, { AWS_ENDPOINT_URL: proxy.url, AWS_MAX_ATTEMPTS: '2' }),
      );
    } finally {
      await proxy.close();
    }
  });

  it('KMS failing with 5xx on every try: 4, names the status and the error', async () => {
    const proxy = await startFaultProxy(moto.url);
    try {
      const internal = JSON.stringify({ __type: 'KMSInternalException', message: 'injected' });
      proxy.failMatching(
        isSign,
        { status: 500, headers: { 'content-type': 'application/x-amz-json-1.1' }, body: internal },
        100,
      );
      await fails(
        4,
        'AWS KMS key alias/tuf-online: AWS KMS answered Sign with 500 (KMSInternalException)',
        ciEnv(w, moto, { AWS_ENDPOINT_URL: proxy.url, AWS_MAX_ATTEMPTS: '2' }),
      );
      // retried as a transient failure
      expect(proxy.requests.filter((q) => isSign('', '', q.headers))).toHaveLength(2);
    } finally {
      await proxy.close();
    }
  });
});
