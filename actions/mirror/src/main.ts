import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as core from '@actions/core';
import { UserError } from '../../../lib/errors.js';
import {
  checkDistinct,
  checkFresh,
  describeIn,
  parseDuration,
  parseMirrorEnd,
  runMirror,
  type MirrorEndSpec,
} from '../../../lib/mirror/run.js';
import { runAction } from '../../common/github.js';
import { credentialInputs } from '../../common/registry.js';

async function main(): Promise<void> {
  const ws = process.env.GITHUB_WORKSPACE ?? process.cwd();
  const from = parseMirrorEnd(core.getInput('source', { required: true }), 'input source', ws);
  const to = parseMirrorEnd(
    core.getInput('destination', { required: true }),
    'input destination',
    ws,
  );
  checkDistinct(from, to);
  const intervalText = core.getInput('interval');
  const interval = intervalText ? parseDuration(intervalText, 'input interval') : undefined;
  const rootInput = core.getInput('root');
  let trustedRoot;
  if (rootInput) {
    const file = resolve(ws, rootInput);
    try {
      trustedRoot = { bytes: readFileSync(file), from: `input root ${rootInput}` };
    } catch {
      throw new UserError(`input root: cannot read ${file}; pin a trusted root.json`);
    }
  }
  const named = (end: MirrorEndSpec): string[] => (end.host ? [end.host] : []);
  const registry = {
    source: credentialInputs('source')(named(from)),
    destination: credentialInputs('destination')(named(to)),
  };
  const workDir = mkdtempSync(join(tmpdir(), 'tufci-mirror-action-'));
  try {
    const now = new Date();
    const r = await runMirror({
      from,
      to,
      ...(trustedRoot ? { trustedRoot } : {}),
      registry,
      credentialsHint: {
        source: 'inputs source-username/source-password',
        destination: 'inputs destination-username/destination-password',
      },
      workDir,
      now,
      log: (line) => core.info(line),
    });
    const c = r.copy;
    const what = r.unchanged
      ? `${to.spec} is up to date (timestamp version ${r.timestampVersion}).`
      : `Mirrored ${from.spec} to ${to.spec}: timestamp version ${r.timestampVersion}, ${r.roles} targets roles, ${r.targetFiles} target files, ${r.artifacts} artifacts; copied ${c.manifestsCopied} manifests and ${c.blobsCopied} blobs (${c.bytesCopied} bytes).`;
    const left = r.timestampExpires.getTime() - now.getTime();
    const expiry = `The destination's timestamp expires at ${r.timestampExpires.toISOString()} (${describeIn(left)}).`;
    core.info(what);
    core.info(expiry);
    core.setOutput('timestamp-version', String(r.timestampVersion));
    core.setOutput('expires', r.timestampExpires.toISOString());
    core.setOutput('unchanged', String(r.unchanged));
    await core.summary.addRaw(`${what}\n\n${expiry}\n`).write();
    if (interval !== undefined)
      checkFresh(r, to.spec, now, interval, intervalText, 'input interval');
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
}

void runAction(main);
