/**
 * The local end-to-end demo (`npm run demo`): a bare git remote, clones for CI and
 * three signers, bootstrap with a 2-of-3 threshold, an artifact signing event,
 * online signing, publishing and verification with tuf-js. Everything happens in a
 * temporary directory; nothing outside it is touched.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKey } from '../lib/signers/keyfile.js';
import type { Ctx } from '../signer-cli/context.js';
import { run } from '../signer-cli/program.js';

const root = mkdtempSync(join(tmpdir(), 'tufci-demo-'));
const passphrase = 'demo passphrase';
writeFileSync(
  join(root, '.gitconfig'),
  '[user]\n\tname = Demo\n\temail = demo@example.com\n[init]\n\tdefaultBranch = main\n',
);
const online = generateKey('ecdsa');
const env: Record<string, string | undefined> = {
  PATH: process.env.PATH,
  HOME: root,
  GIT_CONFIG_NOSYSTEM: '1',
  TUFCI_KEY_PASSPHRASE: passphrase,
  TUFCI_ONLINE_KEY: online.privatePem,
};
writeFileSync(join(root, 'online.pub'), online.publicPem);
const remote = join(root, 'remote.git');

let step = 0;
const say = (text: string): void => console.log(`\n${++step}. ${text}`);
const sh = (cwd: string, ...args: string[]): string =>
  execFileSync('git', args, {
    cwd,
    env: env as NodeJS.ProcessEnv,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });

async function tufci(who: string, cwd: string, ...args: string[]): Promise<void> {
  console.log(`   $ (${who}) tufci ${args.join(' ')}`);
  const ctx: Ctx = {
    cwd,
    env,
    now: () => new Date(),
    out: (l) => console.log(`     ${l.replace(/\n/g, '\n     ')}`),
    err: (l) => console.error(`     ${l}`),
  };
  const code = await run(args, ctx);
  if (code !== 0) throw new Error(`tufci ${args[0]} failed for ${who} (exit ${code})`);
}

function clone(name: string): string {
  const dir = join(root, name);
  execFileSync('git', ['clone', '-q', remote, dir], {
    env: env as NodeJS.ProcessEnv,
    stdio: 'ignore',
  });
  return dir;
}

function signer(name: string): string {
  const dir = clone(name);
  const key = generateKey('ecdsa', passphrase);
  writeFileSync(join(root, `${name}.pem`), key.privatePem, { mode: 0o600 });
  writeFileSync(
    join(dir, '.tufci.yaml'),
    `user-name: "@${name}"\nsigning-method: keyfile\nkeyfile: ${join(root, `${name}.pem`)}\n`,
  );
  return dir;
}

function merge(branch: string): void {
  const dir = join(root, `merge-${branch.replace(/\//g, '-')}`);
  execFileSync('git', ['clone', '-q', remote, dir], {
    env: env as NodeJS.ProcessEnv,
    stdio: 'ignore',
  });
  sh(dir, 'merge', '-q', '--no-ff', '-m', `Merge ${branch}`, `origin/${branch}`);
  sh(dir, 'push', '-q', 'origin', 'main');
}

async function main(): Promise<void> {
  console.log(`tufci demo in ${root}`);
  say('Set up a bare git remote (the "GitHub" repository) with an empty main branch.');
  execFileSync('git', ['init', '-q', '--bare', '-b', 'main', remote]);
  const seed = clone('seed');
  writeFileSync(join(seed, 'README.md'), '# demo TUF repository\n');
  sh(seed, 'add', '.');
  sh(seed, 'commit', '-qm', 'initial');
  sh(seed, 'push', '-q', 'origin', 'main');

  say(
    'Three signers clone it, each with an encrypted key file. Alice bootstraps root and targets: 2 of 3 must sign; Bob and Carol are invited.',
  );
  const alice = signer('alice');
  const bob = signer('bob');
  const carol = signer('carol');
  await tufci(
    'alice',
    alice,
    'init',
    '--root-signers',
    '@alice,@bob,@carol',
    '--root-threshold',
    '2',
    '--targets-signers',
    '@alice,@bob,@carol',
    '--targets-threshold',
    '2',
    '--online-key',
    join(root, 'online.pub'),
  );

  say(
    'Bob and Carol accept their invites: their public keys join root. Then Alice and Bob sign the new root.',
  );
  await tufci('bob', bob, 'sign', 'sign/init', '--yes');
  await tufci('carol', carol, 'sign', 'sign/init', '--yes');
  await tufci('alice', alice, 'sign', 'sign/init', '--yes');
  await tufci('bob', bob, 'sign', 'sign/init', '--yes');

  say('The maintainer merges sign/init. CI signs snapshot and timestamp with the online key.');
  merge('sign/init');
  const ci = clone('ci');
  await tufci('ci', ci, 'online-sign', '--push');

  say('Alice pushes a sign/ branch that adds an artifact under targets/.');
  sh(alice, 'fetch', '-q', 'origin');
  sh(alice, 'checkout', '-q', '-B', 'sign/add-hello', 'origin/main');
  mkdirSync(join(alice, 'targets'), { recursive: true });
  writeFileSync(join(alice, 'targets', 'hello.txt'), 'Hello from a TUF repository on CI!\n');
  sh(alice, 'add', 'targets');
  sh(alice, 'commit', '-qm', 'Add hello.txt');
  sh(alice, 'push', '-q', 'origin', 'sign/add-hello');

  say('CI runs the event update on that branch: targets gets exactly one version bump.');
  sh(ci, 'fetch', '-q', 'origin');
  sh(ci, 'checkout', '-q', '-B', 'sign/add-hello', 'origin/sign/add-hello');
  await tufci('ci', ci, 'event', 'update', '--push');

  say('Bob and Carol review the change and sign; status shows the event complete.');
  await tufci('bob', bob, 'sign', 'sign/add-hello', '--yes');
  await tufci('carol', carol, 'sign', 'sign/add-hello', '--yes');
  sh(ci, 'fetch', '-q', 'origin');
  sh(ci, 'checkout', '-q', '-B', 'sign/add-hello', 'origin/sign/add-hello');
  await tufci('ci', ci, 'status');

  say(
    'Merge and online-sign. Publish to the embedded default, an OCI image-layout directory (what oras and skopeo read, and the unit of air-gap transfer), and to a static directory for GitHub Pages.',
  );
  merge('sign/add-hello');
  sh(ci, 'checkout', '-q', '-B', 'main', 'origin/main');
  sh(ci, 'pull', '-q', 'origin', 'main');
  await tufci('ci', ci, 'online-sign', '--push');
  const layout = join(root, 'oci-layout');
  await tufci('ci', ci, 'publish', '--to', `oci-layout:${layout}`);
  const site = join(root, 'site');
  await tufci('ci', ci, 'publish', '--to', `dir:${site}`);

  say(
    'A TUF client (tuf-js) pinned to the first root verifies the OCI layout with no network, and downloads the target; a stock client does the same from the static tree.',
  );
  const pinned = join(root, 'pinned-root.json');
  writeFileSync(pinned, readFileSync(join(ci, 'metadata', 'root_history', '1.root.json')));
  const out = join(root, 'hello.txt');
  await tufci(
    'client',
    root,
    'verify',
    '--from',
    `oci-layout:${layout}`,
    '--root',
    pinned,
    '--target',
    'hello.txt',
    '--out',
    out,
  );
  await tufci(
    'client',
    root,
    'verify',
    '--from',
    `dir:${site}`,
    '--root',
    pinned,
    '--target',
    'hello.txt',
  );
  const cli = join(process.cwd(), 'build', 'signer-cli', 'main.js');
  console.log(`
Everything is in ${root}:
  remote.git/           the repository (its history is the signing history)
  alice/ bob/ carol/    the signers' clones, each with .tufci.yaml and a key file beside it
  ci/                   CI's clone (event update, online-sign, publish)
  oci-layout/ site/     what was published: an OCI image layout and a static tree
  pinned-root.json      the root a client pins

Try next:
  git -C ${join(root, 'remote.git')} log --oneline main
  cd ${ci} && node ${cli} status
  node ${cli} verify --from dir:${site} --root ${pinned} --target hello.txt`);
  console.log(`\nVerified target hello.txt:\n  ${readFileSync(out, 'utf8').trim()}`);
}

main().catch((e: unknown) => {
  console.error(`demo failed: ${(e as Error).message}`);
  process.exitCode = 1;
});
