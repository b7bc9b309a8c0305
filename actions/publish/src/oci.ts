import { mkdtempSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import * as core from '@actions/core';
import { openTufSession } from '../../../lib/client/oci-client.js';
import {
  dockerConfigPath,
  resolveCredentials,
  type RegistryOptions,
} from '../../../lib/oci/index.js';
import { openOciLocation, openOciPublisher } from '../../../lib/publish/oci-destination.js';
import type { PublishTree } from '../../../lib/publish/tree.js';
import { TufciError } from '../../../lib/errors.js';
import { isOciLocation, parseLocation } from '../../../lib/location.js';

/**
 * Publishes to the `oci-destination` input (`oci://HOST/REPO` or `oci-layout:DIR`), if
 * given, and verifies what was published there with a TUF client pinned to `root`.
 * Credentials: the `registry-username` / `registry-password` inputs (masked), else
 * TUFCI_REGISTRY_USERNAME / TUFCI_REGISTRY_PASSWORD, else ~/.docker/config.json.
 */
export async function publishToOci(
  workspace: string,
  tree: PublishTree,
  root: Uint8Array,
  verify: boolean,
): Promise<void> {
  const destination = core.getInput('oci-destination');
  if (!destination) return;
  const username = core.getInput('registry-username');
  const password = core.getInput('registry-password');
  if (password) core.setSecret(password);
  const location = parseLocation(destination, {
    flag: 'oci-destination',
    cwd: workspace,
    accept: ['oci', 'oci-layout'],
  });
  if (!isOciLocation(location)) return;
  const host = location.kind === 'oci' ? location.host : undefined;
  const registry = async (h: string): Promise<RegistryOptions> => {
    const named = h === host;
    const credentials = await resolveCredentials(h, {
      explicit: named ? { username, password } : undefined,
      env: named ? process.env : undefined,
      dockerConfigPath: dockerConfigPath(homedir(), process.env),
    });
    return credentials ? { credentials } : {};
  };
  try {
    const publisher = await openOciPublisher(location, {
      registry,
      log: (line) => core.info(line),
    });
    const report = await publisher.publish(tree);
    core.info(
      `Published to ${destination}: ${report.written.length} uploaded, ${report.skipped.length} unchanged.`,
    );
    core.setOutput('oci-destination', destination);
    if (!verify) return;
    const session = await openTufSession({
      trustedRoot: root,
      source: await openOciLocation(location, { registry }),
      cacheDir: mkdtempSync(join(tmpdir(), 'tufci-publish-oci-verify-')),
      name: destination,
      now: new Date(),
    });
    core.info(
      `A TUF client verified ${destination} (timestamp version ${session.timestampVersion}).`,
    );
    core.setOutput('oci-timestamp-version', String(session.timestampVersion));
  } catch (e) {
    if (e instanceof TufciError) e.message = `publish to ${destination}: ${e.message}`;
    throw e;
  }
}
