/**
 * The client-under-test of the TUF conformance suite (tuf-conformance's CLIENT-CLI.md):
 *   --metadata-dir D init ROOT
 *   --metadata-dir D --metadata-url U refresh
 *   --metadata-dir D --metadata-url U --target-name N [--target-name N…]
 *       --target-base-url T --target-dir TD download
 * It runs the client `tufci verify` runs (lib/client/verify.ts): D is the trusted
 * metadata directory, targets are stored one file per target name in TD and are not
 * downloaded again while their hashes match. Exit 0 on success, 1 on any failure,
 * with the reason on stderr.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { dirFetcher, httpFetcher } from '../lib/client/fetchers.js';
import { initTrust } from '../lib/client/trust-dir.js';
import { verifyRepository } from '../lib/client/verify.js';
import { UsageError } from '../lib/errors.js';

interface Args {
  metadataDir?: string;
  metadataUrl?: string;
  targetNames: string[];
  targetBaseUrl?: string;
  targetDir?: string;
  command?: string;
  operand?: string;
}

const FLAGS: Record<
  string,
  keyof Omit<Args, 'targetNames' | 'command' | 'operand'> | 'targetNames'
> = {
  '--metadata-dir': 'metadataDir',
  '--metadata-url': 'metadataUrl',
  '--target-name': 'targetNames',
  '--target-base-url': 'targetBaseUrl',
  '--target-dir': 'targetDir',
};

function parseArgs(argv: string[]): Args {
  const a: Args = { targetNames: [] };
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i]!;
    const field = FLAGS[word];
    if (field) {
      const value = argv[++i];
      if (value === undefined) throw new UsageError(`${word}: missing value`);
      if (field === 'targetNames') a.targetNames.push(value);
      else a[field] = value;
    } else if (word.startsWith('--')) {
      throw new UsageError(`unknown flag ${word}`);
    } else if (!a.command) {
      a.command = word;
    } else if (a.operand === undefined) {
      a.operand = word;
    } else {
      throw new UsageError(`unexpected argument ${word}`);
    }
  }
  return a;
}

function need(value: string | undefined, flag: string): string {
  if (value === undefined) throw new UsageError(`${flag} is required`);
  return value;
}

const fetcherFor = (url: string) => (url.startsWith('file:') ? dirFetcher() : httpFetcher());

async function main(argv: string[]): Promise<void> {
  const a = parseArgs(argv);
  const metadataDir = resolve(need(a.metadataDir, '--metadata-dir'));
  switch (a.command) {
    case 'init':
      initTrust(metadataDir, readFileSync(need(a.operand, 'init TRUSTED_ROOT')), { replace: true });
      return;
    case 'refresh': {
      const url = need(a.metadataUrl, '--metadata-url');
      const res = await verifyRepository({
        metadataBaseUrl: url,
        targetBaseUrl: a.targetBaseUrl ?? new URL('../targets/', `${url}/`).href,
        trustDir: metadataDir,
        fetcher: fetcherFor(url),
        now: new Date(),
      });
      process.stderr.write(`refreshed: timestamp version ${res.timestampVersion}\n`);
      return;
    }
    case 'download': {
      const url = need(a.metadataUrl, '--metadata-url');
      if (a.targetNames.length === 0) throw new UsageError('--target-name is required');
      const res = await verifyRepository({
        metadataBaseUrl: url,
        targetBaseUrl: need(a.targetBaseUrl, '--target-base-url'),
        trustDir: metadataDir,
        targetDir: resolve(need(a.targetDir, '--target-dir')),
        targetPaths: a.targetNames,
        fetcher: fetcherFor(url),
        now: new Date(),
      });
      for (const t of res.targets)
        process.stderr.write(
          `${t.cached ? 'cached' : 'downloaded'}: ${t.path} (${t.length} bytes)\n`,
        );
      return;
    }
    default:
      throw new UsageError(`command: init, refresh or download (got ${a.command ?? 'none'})`);
  }
}

main(process.argv.slice(2)).then(
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(`tuf-conformance-client: ${e instanceof Error ? e.message : String(e)}\n`);
    if (process.env.TUFCI_DEBUG === '1' && e instanceof Error) process.stderr.write(`${e.stack}\n`);
    process.exit(1);
  },
);
