/**
 * moto's server as the AWS KMS stand-in (python3-moto 5.1 from Debian trixie, unpacked
 * under /opt/moto by scripts/setup-system.sh). One server per test file, on a free
 * loopback port; it keys nothing to the credentials, so any access key works.
 * Note: moto 5.1 signs MessageType=RAW correctly but does not implement DIGEST (it
 * signs the digest bytes as if they were the message).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import {
  CreateAliasCommand,
  CreateKeyCommand,
  DisableKeyCommand,
  KMSClient,
  PutKeyPolicyCommand,
  type KeySpec,
  type KeyUsageType,
} from '@aws-sdk/client-kms';
import { freePort } from './registry.js';
import { PYTHON } from './python-tuf.js';

const MOTO_PYTHONPATH = '/opt/moto/usr/lib/python3/dist-packages';

export interface Moto {
  url: string;
  /** The AWS settings a tufci process needs to reach this server. */
  env: Record<string, string>;
  kms: KMSClient;
  /** Creates a key; returns its id and ARN. */
  createKey(spec: KeySpec, usage?: KeyUsageType): Promise<{ id: string; arn: string }>;
  alias(name: string, keyId: string): Promise<void>;
  disable(keyId: string): Promise<void>;
  /** A key policy that denies `action` to everyone (moto enforces a Deny on DescribeKey). */
  deny(keyId: string, action: string): Promise<void>;
  stop(): Promise<void>;
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

export async function startMoto(): Promise<Moto> {
  const port = await freePort();
  const child = spawn(PYTHON, ['-m', 'moto.server', '-H', '127.0.0.1', '-p', String(port)], {
    env: { PATH: process.env.PATH, PYTHONPATH: MOTO_PYTHONPATH, PYTHONDONTWRITEBYTECODE: '1' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`moto exited: ${stderr}`);
    try {
      const res = await fetch(`${url}/moto-api/`);
      await res.body?.cancel();
      break;
    } catch {
      if (i > 400) {
        await stopChild(child);
        throw new Error(`moto did not answer on ${url}: ${stderr}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  const env = {
    AWS_ACCESS_KEY_ID: 'AKIDTESTTESTTESTTEST',
    AWS_SECRET_ACCESS_KEY: 'test-secret',
    AWS_REGION: 'us-east-1',
    AWS_ENDPOINT_URL: url,
  };
  const kms = new KMSClient({
    region: env.AWS_REGION,
    endpoint: url,
    credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY },
  });
  return {
    url,
    env,
    kms,
    async createKey(spec, usage = 'SIGN_VERIFY') {
      const r = await kms.send(new CreateKeyCommand({ KeySpec: spec, KeyUsage: usage }));
      return { id: r.KeyMetadata!.KeyId!, arn: r.KeyMetadata!.Arn! };
    },
    async alias(name, keyId) {
      await kms.send(new CreateAliasCommand({ AliasName: name, TargetKeyId: keyId }));
    },
    async disable(keyId) {
      await kms.send(new DisableKeyCommand({ KeyId: keyId }));
    },
    async deny(keyId, action) {
      const policy = {
        Version: '2012-10-17',
        Statement: [{ Effect: 'Deny', Principal: '*', Action: action, Resource: '*' }],
      };
      await kms.send(
        new PutKeyPolicyCommand({
          KeyId: keyId,
          PolicyName: 'default',
          Policy: JSON.stringify(policy),
        }),
      );
    },
    async stop() {
      kms.destroy();
      await stopChild(child);
    },
  };
}
