import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as core from '@actions/core';
import { dirFetcher, dirUrl } from '../../../lib/client/fetchers.js';
import { verifyRepository } from '../../../lib/client/verify.js';
import { DirPublisher } from '../../../lib/publish/dir.js';
import { buildTree } from '../../../lib/publish/tree.js';
import { RepoDir } from '../../../lib/tuf/repo.js';
import { runAction } from '../../common/github.js';
import { publishToOci } from './oci.js';

async function main(): Promise<void> {
  const dir = process.env.GITHUB_WORKSPACE ?? process.cwd();
  const repo = new RepoDir(dir);
  const out = resolve(dir, core.getInput('output-dir') || '_site');
  const tree = buildTree(repo, new Date());
  // index.html: the repository's name, and its address for the verify snippets
  const url = core.getInput('published-url');
  const name = process.env.GITHUB_REPOSITORY;
  const page = { ...(name ? { name } : {}), ...(url ? { url } : {}) };
  const report = await new DirPublisher(out, page).publish(tree);
  core.info(
    `Published ${report.written.length} files (${report.skipped.length} unchanged) to ${out}.`,
  );
  core.setOutput('directory', out);
  const verify = core.getInput('verify') !== 'false';
  await publishToOci(dir, tree, Buffer.from(repo.readRootVersion(1)), verify);
  if (verify) {
    const base = dirUrl(out);
    const res = await verifyRepository({
      trustedRoot: Buffer.from(repo.readRootVersion(1)),
      metadataBaseUrl: base,
      targetBaseUrl: `${base}targets/`,
      now: new Date(),
      trustDir: mkdtempSync(join(tmpdir(), 'tufci-publish-verify-')),
      fetcher: dirFetcher(),
    });
    core.info(
      `A TUF client verified the published tree (timestamp version ${res.timestampVersion}).`,
    );
    core.setOutput('timestamp-version', String(res.timestampVersion));
  }
}

void runAction(main);
