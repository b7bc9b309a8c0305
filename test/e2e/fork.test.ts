import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { prUrl } from '../../lib/event/workflow.js';
import { World, git } from '../helpers/world.js';

describe('signing from a fork: separate pull and push remotes', () => {
  const w = new World();
  afterAll(() => w.cleanup());
  const alice = w.clone('alice');
  const bob = w.clone('bob');

  it('pushes the signature to the fork only and says how to open the PR', async () => {
    expect(
      (
        await alice.tufci(
          'init',
          '--root-signers',
          '@alice,@bob',
          '--targets-signers',
          '@alice,@bob',
          '--online-key',
          w.onlinePub,
        )
      ).code,
    ).toBe(0);
    const fork = join(w.root, 'bob-fork.git');
    execFileSync('git', ['init', '-q', '--bare', '-b', 'main', fork]);
    git(bob.dir, 'remote', 'add', 'fork', fork);
    const upstreamBefore = git(w.remote, 'rev-parse', 'refs/heads/sign/init').trim();

    const r = await bob.tufci('sign', 'sign/init', '--yes', '--push-remote', 'fork');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toContain('Pushed sign/init to fork.');
    expect(r.out).toContain('Open a pull request from fork sign/init into origin sign/init.');
    expect(git(w.remote, 'rev-parse', 'refs/heads/sign/init').trim()).toBe(upstreamBefore);
    const forkHead = git(fork, 'rev-parse', 'refs/heads/sign/init').trim();
    expect(git(fork, 'log', '-1', '--format=%s', forkHead).trim()).toBe(
      'Signed by @bob: root, targets (invite accepted for root, targets)',
    );
  });

  it('builds the GitHub compare URL for a fork', () => {
    expect(
      prUrl(
        'git@github.com:theupdateframework/repo.git',
        'https://github.com/bob/repo.git',
        'sign/add-app',
        'sign/add-app',
      ),
    ).toBe(
      'https://github.com/theupdateframework/repo/compare/sign/add-app...bob:sign%2Fadd-app?expand=1',
    );
    expect(prUrl('/srv/repo.git', 'https://github.com/bob/repo', 'sign/x', 'main')).toBeUndefined();
  });
});
