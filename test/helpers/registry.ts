/**
 * Starts Debian's docker-registry (distribution 2.8) on a free loopback port in a temp
 * dir, optionally behind htpasswd basic auth, and waits until `/v2/` answers.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const REGISTRY_BIN = '/usr/bin/docker-registry';

export interface TestRegistry {
  /** `127.0.0.1:PORT`, for references. */
  host: string;
  /** `http://127.0.0.1:PORT`. */
  url: string;
  port: number;
  /** The registry's scratch dir (config.yml, data/, htpasswd). */
  dir: string;
  /**
   * With `accessLog`: the registry's access log so far, one request a line (Apache's
   * combined format: `... "METHOD /v2/... HTTP/1.1" STATUS ...`).
   */
  accessLog(): Promise<string[]>;
  stop(): Promise<void>;
}

export interface StartRegistryOptions {
  /** Require these credentials (htpasswd, bcrypt). */
  auth?: { username: string; password: string };
  /** Keep the access log (the registry's stdout) for accessLog(). */
  accessLog?: boolean;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function configYaml(dir: string, port: number, htpasswd: string | undefined): string {
  const lines = [
    'version: 0.1',
    'log: {level: error}',
    'storage:',
    `  filesystem: {rootdirectory: ${join(dir, 'data')}}`,
    '  delete: {enabled: true}',
    'http:',
    `  addr: 127.0.0.1:${port}`,
  ];
  if (htpasswd) lines.push(`auth: {htpasswd: {realm: test-registry, path: ${htpasswd}}}`);
  return lines.join('\n') + '\n';
}

async function waitUntilUp(url: string, child: ChildProcess, log: () => string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) throw new Error(`docker-registry exited: ${log()}`);
    try {
      const res = await fetch(`${url}/v2/`);
      await res.body?.cancel();
      if (res.status === 200 || res.status === 401) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`docker-registry did not answer on ${url}: ${log()}`);
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

export async function startRegistry(options: StartRegistryOptions = {}): Promise<TestRegistry> {
  const dir = await mkdtemp(join(tmpdir(), 'tufci-registry-'));
  let htpasswd: string | undefined;
  if (options.auth) {
    htpasswd = join(dir, 'htpasswd');
    const { stdout } = await promisify(execFile)('htpasswd', [
      '-Bbn',
      options.auth.username,
      options.auth.password,
    ]);
    await writeFile(htpasswd, stdout);
  }
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    await writeFile(join(dir, 'config.yml'), configYaml(dir, port, htpasswd));
    const child = spawn(REGISTRY_BIN, ['serve', join(dir, 'config.yml')], {
      cwd: dir,
      stdio: ['ignore', options.accessLog ? 'pipe' : 'ignore', 'pipe'],
    });
    const lines: string[] = [];
    let partial = '';
    child.stdout?.on('data', (d: Buffer) => {
      const parts = (partial + d.toString()).split('\n');
      partial = parts.pop()!;
      lines.push(...parts);
    });
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
    const url = `http://127.0.0.1:${port}`;
    try {
      await waitUntilUp(url, child, () => stderr);
    } catch (e) {
      lastError = e;
      await stopChild(child);
      continue;
    }
    return {
      host: `127.0.0.1:${port}`,
      url,
      port,
      dir,
      async accessLog() {
        if (!options.accessLog) throw new Error('started without accessLog');
        // A marker request, logged after every request answered before it.
        const marker = `log-marker-${lines.length}-${Date.now()}`;
        const res = await fetch(`${url}/v2/`, { headers: { 'user-agent': marker } });
        await res.body?.cancel();
        for (let i = 0; i < 200 && !lines.some((l) => l.includes(marker)); i++)
          await new Promise((r) => setTimeout(r, 10));
        return lines.filter((l) => !l.includes('log-marker-'));
      },
      async stop() {
        await stopChild(child);
        await rm(dir, { recursive: true, force: true });
      },
    };
  }
  await rm(dir, { recursive: true, force: true });
  throw lastError;
}
