/**
 * The online-sign task CI runs (the CLI's `online-sign` and the online-sign action):
 * new snapshot and timestamp when needed, signed through the online key registry.
 * Kept apart from the other tasks so only what signs online bundles the signers.
 */
import { Git } from '../git/git.js';
import { checkOnlineUri, onlineSigner } from '../signers/online/index.js';
import type { OnlineEnv } from '../signers/online/index.js';
import { onlineSign } from '../tuf/online.js';
import { RepoDir } from '../tuf/repo.js';
import { withRollback } from '../util/transaction.js';
import type { TaskEnv } from './tasks.js';

export interface OnlineSignOptions {
  commit?: boolean;
  push?: boolean;
  /** Sign with this URI instead of root's `x-tuf-on-ci-online-uri` (the key must still be root's). */
  uri?: string;
  /** Where `uri` came from, for messages (a flag or an action input). */
  uriFrom?: string;
  /** Key material, secrets and prompts for the signer (everything but the environment). */
  signer?: Omit<OnlineEnv, 'env'>;
}

/** New snapshot and timestamp when needed, committed (and pushed) on the checked-out branch. */
export async function onlineSignTask(t: TaskEnv, o: OnlineSignOptions = {}): Promise<string[]> {
  if (o.uri) checkOnlineUri(o.uri, o.uriFrom ?? 'online key URI');
  const repo = new RepoDir(t.dir);
  const git = new Git(t.dir, t.env);
  const signerEnv: OnlineEnv = { ...o.signer, env: t.env };
  const res = await withRollback(t.dir, ['metadata'], () =>
    onlineSign(repo, (uri) => onlineSigner(o.uri ?? uri, signerEnv), t.now),
  );
  if (!res.written.length) {
    t.log('snapshot and timestamp are current; nothing to sign.');
    return [];
  }
  for (const r of res.reasons) t.log(`re-signing ${r}`);
  if (res.bins.length) t.log(`Signed ${res.bins.length} online bin(s) with the online key.`);
  if (o.commit !== false) {
    await git.commit(`Online signing: ${res.written.join(', ')}`, ['metadata']);
    if (o.push) await git.push(t.remote ?? 'origin', await git.currentBranch());
  }
  t.log(`Signed ${res.written.join(', ')} with the online key.`);
  return res.written;
}
