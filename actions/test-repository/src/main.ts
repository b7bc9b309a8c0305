import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as core from '@actions/core';
import { dirFetcher, dirUrl } from '../../../lib/client/fetchers.js';
import { verifyRepository } from '../../../lib/client/verify.js';
import { UserError } from '../../../lib/errors.js';
import { runAction } from '../../common/github.js';

async function main(): Promise<void> {
  const ws = process.env.GITHUB_WORKSPACE ?? process.cwd();
  const url = core.getInput('url', { required: true });
  const days = Number(core.getInput('valid-days') || '0');
  if (!Number.isFinite(days) || days < 0)
    throw new UserError(
      `input valid-days: "${core.getInput('valid-days')}" is not a number of days`,
    );
  const isDir = url.startsWith('dir:');
  const base = isDir ? dirUrl(resolve(ws, url.slice(4))) : url.replace(/\/?$/, '/');
  const rootPath = resolve(ws, core.getInput('root') || 'metadata/root_history/1.root.json');
  let trustedRoot: Buffer;
  try {
    trustedRoot = readFileSync(rootPath);
  } catch {
    throw new UserError(`input root: cannot read ${rootPath}`);
  }
  const res = await verifyRepository({
    trustedRoot,
    metadataBaseUrl: base,
    targetBaseUrl: `${base}targets/`,
    now: new Date(),
    trustDir: mkdtempSync(join(tmpdir(), 'tufci-test-repo-')),
    fetcher: isDir ? dirFetcher() : undefined,
    targetPath: core.getInput('target') || undefined,
  });
  core.setOutput('expires', JSON.stringify(res.expires));
  const limit = Date.now() + days * 86_400_000;
  const short = Object.entries(res.expires).filter(([, e]) => new Date(e).getTime() < limit);
  for (const [role, e] of Object.entries(res.expires)) core.info(`${role} expires ${e}`);
  if (short.length) {
    throw new UserError(
      `remaining validity under ${days} days: ${short.map(([r, e]) => `${r} (expires ${e})`).join(', ')}`,
    );
  }
  core.info(
    `Repository verified (timestamp version ${res.timestampVersion}); every role valid for at least ${days} days.`,
  );
}

void runAction(main);
