import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Git } from '../../lib/git/git.js';
import { commitAndPush, openEvent } from '../../lib/event/workflow.js';
import type { EventIo } from '../../lib/event/workflow.js';
import { World, git } from '../helpers/world.js';

describe('lib/event/workflow over real bare remotes', () => {
  const w = new World();
  afterAll(() => w.cleanup());
  const ioFor = (dir: string, push = 'origin'): { io: EventIo; lines: string[] } => {
    const lines: string[] = [];
    const io = {
      git: new Git(dir, w.env),
      remotes: { pullRemote: 'origin', pushRemote: push },
      log: (l: string) => lines.push(l),
    };
    return { io, lines };
  };
  const write = (dir: string, path: string, text: string): void => {
    mkdirSync(join(dir, 'metadata'), { recursive: true });
    writeFileSync(join(dir, path), text);
  };

  it('opens a new event branch, commits and pushes it', async () => {
    const a = w.clone('alice');
    const { io, lines } = ioFor(a.dir);
    const ev = await openEvent(io, 'sign/one');
    expect(ev.isNew).toBe(true);
    expect(ev.defaultBranch).toBe('main');
    expect(git(a.dir, 'rev-parse', '--abbrev-ref', 'HEAD').trim()).toBe('sign/one');
    expect(await commitAndPush(io, ev, 'nothing yet', true)).toBe(false);
    write(a.dir, 'metadata/x.json', '{}\n');
    expect(await commitAndPush(io, ev, 'first change', true)).toBe(true);
    expect(lines).toEqual(['Pushed sign/one to origin.']);
    expect(git(w.remote, 'log', '-1', '--format=%s', 'sign/one').trim()).toBe('first change');
    write(a.dir, 'metadata/y.json', '{}\n');
    expect(await commitAndPush(io, ev, 'local only', false)).toBe(true);
    expect(lines[1]).toBe('Committed on sign/one (not pushed: --no-push).');
    expect(git(w.remote, 'log', '-1', '--format=%s', 'sign/one').trim()).toBe('first change');

    // an existing event is checked out from the remote
    const b = w.clone('bob');
    const again = await openEvent(ioFor(b.dir).io, 'sign/one', { mustExist: true });
    expect(again.isNew).toBe(false);
    expect(git(b.dir, 'log', '-1', '--format=%s').trim()).toBe('first change');
  });

  it('refuses unpushed commits, stray files, missing events and bad names', async () => {
    const a = w.clone('carol');
    const { io } = ioFor(a.dir);
    const ev = await openEvent(io, 'sign/two');
    write(a.dir, 'metadata/z.json', '{}\n');
    await commitAndPush(io, ev, 'unpushed', false);
    await expect(openEvent(io, 'sign/two')).rejects.toThrow(
      'local branch sign/two has 1 commit(s) that origin does not have: push them or delete the local branch first (they would be lost)',
    );
    git(a.dir, 'checkout', '-q', 'main');
    git(a.dir, 'branch', '-qD', 'sign/two');
    write(a.dir, 'metadata/stray.json', '{}\n');
    await expect(openEvent(io, 'sign/three')).rejects.toThrow(
      'local changes in metadata/ or targets/ (metadata/stray.json): commit, stash or remove them first',
    );
    await expect(
      openEvent(ioFor(w.clone('dan').dir).io, 'sign/none', { mustExist: true }),
    ).rejects.toThrow('event sign/none: no such branch on remote origin');
    await expect(openEvent(io, 'main')).rejects.toThrow(
      'signing event branches are named sign/<name>',
    );
  });

  it('pushes to a fork and prints the pull request hint', async () => {
    const e = w.clone('erin');
    const fork = join(w.root, 'erin-fork.git');
    execFileSync('git', ['init', '-q', '--bare', '-b', 'main', fork]);
    git(e.dir, 'remote', 'add', 'fork', fork);
    const { io, lines } = ioFor(e.dir, 'fork');
    const ev = await openEvent(io, 'sign/four');
    write(e.dir, 'metadata/f.json', '{}\n');
    await commitAndPush(io, ev, 'from the fork', true);
    expect(lines).toEqual([
      'Pushed sign/four to fork.',
      'Open a pull request from fork sign/four into origin sign/four.',
    ]);
    expect(git(fork, 'log', '-1', '--format=%s', 'sign/four').trim()).toBe('from the fork');
    expect(w.remoteRef('sign/four')).toBeUndefined();

    // GitHub remotes get the compare URL (pushes go to the local fork via pushInsteadOf)
    git(e.dir, 'remote', 'set-url', 'origin', 'https://github.com/up/repo.git');
    git(e.dir, 'remote', 'set-url', 'fork', 'https://github.com/erin/repo.git');
    git(e.dir, 'config', `url.${fork}.pushInsteadOf`, 'https://github.com/erin/repo.git');
    write(e.dir, 'metadata/g.json', '{}\n');
    await commitAndPush(io, ev, 'second', true);
    expect(lines.slice(2)).toEqual([
      'Pushed sign/four to fork.',
      'Open a pull request: https://github.com/up/repo/compare/sign/four...erin:sign%2Ffour?expand=1',
    ]);
    expect(git(fork, 'log', '-1', '--format=%s', 'sign/four').trim()).toBe('second');
  });
});
