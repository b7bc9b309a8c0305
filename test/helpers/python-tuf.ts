/**
 * python-tuf 5.1 (unpacked under /opt/tuf-py) as an independent TUF client and
 * checker. Scripts live in test/fixtures/python and talk JSON over stdin/stdout.
 * They run asynchronously, so an HTTP server in the test process keeps answering.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Debian's interpreter: the unpacked packages are built for it. */
export const PYTHON = '/usr/bin/python3';
export const PYTHONPATH = '/opt/tuf-py/usr/lib/python3/dist-packages';
const SCRIPTS = fileURLToPath(new URL('../fixtures/python/', import.meta.url));

/** Runs `script` with `input` as JSON on stdin; resolves with its JSON output. */
export function runPython<T>(script: string, input: unknown): Promise<T> {
  return new Promise((ok, fail) => {
    const child = spawn(PYTHON, [`${SCRIPTS}${script}`], {
      env: { PATH: process.env.PATH, PYTHONPATH, PYTHONDONTWRITEBYTECODE: '1' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', fail);
    child.on('close', (code) => {
      const stdout = Buffer.concat(out).toString('utf8');
      const stderr = Buffer.concat(err).toString('utf8');
      if (code !== 0) return fail(new Error(`${script} exited ${code}: ${stderr}${stdout}`));
      try {
        ok(JSON.parse(stdout) as T);
      } catch {
        fail(new Error(`${script}: output is not JSON: ${stdout}${stderr}`));
      }
    });
    child.stdin.end(JSON.stringify(input));
  });
}

export interface DownloadedTarget {
  length: number;
  sha256: string;
  file: string;
}

export interface NgclientResult {
  /** Set when refresh() failed. */
  error?: string;
  /** Trusted versions after refresh, by role. */
  versions?: Record<string, number>;
  /** Per requested target: the download, null when not listed, or the error. */
  targets: Record<string, DownloadedTarget | { error: string } | null>;
}

/** `tuf.ngclient.Updater`: refresh from a pinned root, then download `targets`. */
export function ngclient(o: {
  trustedRoot: string;
  baseUrl: string;
  workDir: string;
  targets: string[];
}): Promise<NgclientResult> {
  return runPython<NgclientResult>('ngclient_download.py', {
    trusted_root: o.trustedRoot,
    metadata_url: o.baseUrl,
    target_url: `${o.baseUrl}targets/`,
    work_dir: o.workDir,
    targets: o.targets,
  });
}

interface FileFacts {
  exists: boolean;
  length?: number;
  sha256?: string;
}

interface MetaFacts {
  version: number;
  length?: number;
  hashes?: Record<string, string>;
  /** The published file the entry points to. */
  actual: FileFacts;
}

export interface PublishedFacts {
  pem_keyids: string[];
  root_keyids: Record<string, string>;
  meta: { timestamp: Record<string, MetaFacts>; snapshot: Record<string, MetaFacts> };
  canonical: Record<string, string>;
}

/** Keyids, meta entries and canonical bytes of a published tree, computed by securesystemslib. */
export function inspectPublished(dir: string, pems: string[]): Promise<PublishedFacts> {
  return runPython<PublishedFacts>('inspect_published.py', { dir, pems });
}
