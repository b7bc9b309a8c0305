/**
 * No flag is ever silently ignored: each command line below has a flag that would do
 * nothing in its combination, and tufci refuses it as a usage error (exit 2) naming the
 * flag, before anything is fetched, written, checked out or pushed.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { World, git } from '../helpers/world.js';

const DIGEST = `sha256:${'a'.repeat(64)}`;

describe('a flag that has no effect in its combination is a usage error', () => {
  const w = new World();
  afterAll(() => w.cleanup());
  const alice = w.clone('alice');
  const pub = w.onlinePub;
  const init = (...extra: string[]): string[] => [
    'init',
    '--root-signers',
    '@alice',
    '--targets-signers',
    '@alice',
    '--online-key',
    pub,
    ...extra,
  ];

  // [command line, the flag named, why it does nothing (part of the message)]
  const cases: [string[], string, string][] = [
    [['delegate', 'sign/x', 'root', '--key', `@alice=${pub}`], '--key @alice', 'without --signers'],
    [
      ['delegate', 'sign/x', 'root', '--signers', '@alice', '--key', `@bob=${pub}`],
      '--key @bob',
      'not in --signers',
    ],
    [
      ['delegate', 'sign/x', 'targets', '--threshold', '1', '--no-sign', '--keyfile', 'k.pem'],
      '--keyfile',
      '--no-sign signs nothing',
    ],
    [
      ['delegate', 'sign/x', 'targets', '--threshold', '1', '--no-sign', '--method', 'keyfile'],
      '--method',
      '--no-sign signs nothing',
    ],
    [
      ['delegate', 'sign/x', 'targets', '--threshold', '1', '--no-push', '--push-remote', 'fork'],
      '--push-remote',
      '--no-push pushes nothing',
    ],
    [['sign', 'sign/x', '--no-push', '--push-remote', 'fork'], '--push-remote', '--no-push'],
    [init('--no-push', '--push-remote', 'fork'), '--push-remote', '--no-push'],
    [
      [
        'init',
        '--root-signers',
        '@bob',
        '--targets-signers',
        '@bob',
        '--online-key',
        pub,
        '--keyfile',
        'k.pem',
      ],
      '--keyfile',
      'you (@alice) are not among --root-signers or --targets-signers',
    ],
    [init('--key', `@carol=${pub}`), '--key @carol', 'not among --root-signers'],
    [init('--key', `@alice=${pub}`), '--key @alice', 'that is you'],
    [
      ['add-artifact', 'sign/x', `oci://127.0.0.1:9/app@${DIGEST}`, '--keyfile', 'k.pem'],
      '--keyfile',
      'signs only with --sign',
    ],
    [
      [
        'add-artifact',
        'sign/x',
        `oci://127.0.0.1:9/app@${DIGEST}`,
        '--no-push',
        '--push-remote',
        'f',
      ],
      '--push-remote',
      '--no-push',
    ],
    [
      ['key', 'rotate', '--new-key', 'new.pem', '--no-sign', '--keyfile', 'k.pem'],
      '--keyfile',
      '--no-sign signs nothing',
    ],
    [
      ['key', 'rotate', '--new-key', 'new.pem', '--no-push', '--push-remote', 'fork'],
      '--push-remote',
      '--no-push',
    ],
    [
      ['key', 'rotate', '--new-key', 'new.pem', '--pkcs11-module', '/usr/lib/x.so'],
      '--pkcs11-module',
      'only for a token key',
    ],
    [['online-sign', '--no-commit', '--push'], '--push', 'with --no-commit'],
    [['online-sign', '--remote', 'origin'], '--remote', 'add --push'],
    [['event', 'update', '--no-commit', '--push'], '--push', 'with --no-commit'],
    [['bump-expiring', '--no-push', '--remote', 'origin'], '--remote', '--no-push pushes none'],
    [['status', '--json', '--markdown'], '--markdown', 'choose one'],
    [['publish', '--to', 'dir:out', '--plain-http'], '--plain-http', 'OCI registry destination'],
    [
      ['publish', '--to', 'oci-layout:out', '--registry-username', 'u'],
      '--registry-username',
      'OCI registry destination',
    ],
    [
      ['verify', '--from', 'dir:site', '--registry-password-file', 'pw'],
      '--registry-password-file',
      'only a registry',
    ],
    [['verify', '--from', 'dir:site', '--out', 'x.bin'], '--out', '--target'],
    [['verify', '--from', 'dir:site', '--cache', 'c', '--no-cache'], '--cache', '--no-cache'],
    [['verify', '--from', 'dir:site', '--no-cache', '--cache', 'c'], '--cache', '--no-cache'],
    [
      ['verify', `oci://127.0.0.1:9/app@${DIGEST}`, '--target', 'a', '--out', 'x.bin'],
      '--out',
      'not downloaded',
    ],
    [['mirror', 'oci-layout:a', 'oci-layout:b', '--plain-http'], '--plain-http', 'neither SOURCE'],
    [
      ['mirror', 'oci://127.0.0.1:9/a', 'oci://127.0.0.1:9/b', '--interval', '6h'],
      '--interval',
      'only --check uses it',
    ],
  ];

  const settings = readFileSync(join(alice.dir, '.tufci.yaml'), 'utf8');
  const head = git(alice.dir, 'rev-parse', 'HEAD');

  it.each(cases)('%j: exit 2 naming %s', async (args, flag, why) => {
    const r = await alice.tufci(...args);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`error: ${flag} has no effect`);
    expect(r.err).toContain(why);
    expect(r.err).not.toContain('    at ');
    expect(r.out).toBe('');
    // refused before anything happened
    expect(readFileSync(join(alice.dir, '.tufci.yaml'), 'utf8')).toBe(settings);
    expect(git(alice.dir, 'rev-parse', 'HEAD')).toBe(head);
    expect(git(alice.dir, 'status', '--porcelain', '--untracked-files=all')).toBe('');
    expect(w.remoteBranches()).toEqual(['main']);
  });

  it('the same flags in a combination where they work are not refused by these rules', async () => {
    const r = await alice.tufci('verify', '--from', 'dir:nowhere', '--target', 'a', '--out', 'x');
    expect(r.err).not.toContain('has no effect');
    const s = await alice.tufci('setup', '--user', '@alice', '--keyfile', alice.keyfile);
    expect(s.code).toBe(0);
  });
});

describe('flags that have no effect on the role they name (a bootstrapped repository)', () => {
  const w = new World();
  afterAll(() => w.cleanup());
  const alice = w.clone('alice');

  const cases: [string[], string, string][] = [
    [['delegate', 'sign/y', 'targets', '--paths', 'x/*'], '--paths', 'targets is a top-level role'],
    [['delegate', 'sign/y', 'root', '--paths', 'x/*'], '--paths', 'only delegated roles'],
    [['delegate', 'sign/y', 'timestamp', '--signers', '@alice'], '--signers', 'online key'],
    [['delegate', 'sign/y', 'targets'], 'nothing to change in targets', '--signers, --threshold'],
    [['delegate', 'sign/y', 'targets', '--no-sign'], 'nothing to change in targets', '--paths'],
  ];

  it.each(cases)('%j: exit 2 naming %s', async (args, flag, why) => {
    if (!w.remoteRef('sign/init')) await w.bootstrap([alice], 1);
    const head = git(w.remote, 'rev-parse', 'main');
    const r = await alice.tufci(...args);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`error: ${flag}`);
    expect(r.err).toContain(why);
    expect(w.remoteRef('sign/y')).toBeUndefined();
    expect(git(w.remote, 'rev-parse', 'main')).toBe(head);
    expect(git(alice.dir, 'status', '--porcelain', 'metadata')).toBe('');
  });
});
