/**
 * The signer package as a signer gets it: `npm run build:signer` bundles the CLI into one
 * file, `npm pack` makes the tarball (under 5 MB), `npm install -g` puts it in a fresh
 * prefix with no dependency but the optional PKCS#11 addon, and the installed `tufci`
 * runs setup → sign (an invite, then an artifact event) → status → verify on a real git
 * remote, beside signers who use the repository's own build.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { World, git } from '../helpers/world.js';

const w = new World();
const prefix = join(w.root, 'prefix');
const bin = join(prefix, 'bin', 'tufci');
let tarball = '';

beforeAll(() => {
  execFileSync(process.execPath, ['scripts/build-signer.mjs'], { stdio: 'pipe' });
  const packed = execFileSync('npm', ['pack', '--pack-destination', w.root, '--json'], {
    cwd: 'packages/signer',
    encoding: 'utf8',
  });
  tarball = join(w.root, (JSON.parse(packed) as { filename: string }[])[0]!.filename);
  // a clean environment: no npm_config_* from the npm that runs the tests, but this machine's
  // global npm settings (registry CA, header dir), which a fresh --prefix would not read
  const env = { PATH: process.env.PATH, HOME: process.env.HOME };
  const globalconfig = execFileSync('npm', ['config', 'get', 'globalconfig'], {
    encoding: 'utf8',
  }).trim();
  execFileSync(
    'npm',
    [
      'install',
      '-g',
      '--prefix',
      prefix,
      tarball,
      '--allow-scripts=pkcs11js',
      '--globalconfig',
      globalconfig,
      '--prefer-offline',
      '--no-audit',
      '--no-fund',
    ],
    { env, stdio: 'pipe' },
  );
}, 180_000);
afterAll(() => w.cleanup());

/** Runs the installed `tufci` in `cwd` as a signer would. */
function installed(cwd: string, ...args: string[]): { code: number; out: string; err: string } {
  const r = spawnSync(bin, args, {
    cwd,
    encoding: 'utf8',
    env: { ...w.env, PATH: `${join(prefix, 'bin')}:${process.env.PATH}` },
  });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

describe('the signer package', () => {
  it('packs under 5 MB: one bundled file, a README and package.json', () => {
    expect(statSync(tarball).size).toBeLessThan(5 * 1024 * 1024);
    const listed = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).trim().split('\n');
    expect(listed.sort()).toEqual(
      ['package/README.md', 'package/dist/tufci.mjs', 'package/package.json'].sort(),
    );
  });

  it('carries the @tufjs/models patch (linear maps), as the action bundles do', () => {
    const code = readFileSync('packages/signer/dist/tufci.mjs', 'utf8');
    expect(code.split('function tufciLinearMap').length - 1).toBeGreaterThanOrEqual(4);
    expect(code).not.toMatch(
      /\.\.\.acc,\s*\[\w+\]:\s*[\w$]+\.(TargetFile|MetaFile|Key)\.fromJSON\(/,
    );
  });

  it('installs into a fresh prefix with only the optional PKCS#11 addon beside it', () => {
    const deps = readdirSync(join(prefix, 'lib', 'node_modules', 'tufci', 'node_modules'));
    expect(deps).toEqual(['pkcs11js']);
    // the addon was built and loads from the installed package
    const load = spawnSync(process.execPath, ['-e', "require('pkcs11js'); console.log('loaded')"], {
      cwd: join(prefix, 'lib', 'node_modules', 'tufci'),
      encoding: 'utf8',
    });
    expect(load.stdout.trim()).toBe('loaded');
    const help = installed(w.root, '--help');
    expect(help.code).toBe(0);
    expect(help.out).toContain('Usage: tufci');
  });

  it('setup → sign → status → verify with the installed CLI', async () => {
    const alice = w.clone('alice');
    const bob = w.clone('bob');
    const dave = w.clone('dave');
    rmSync(join(dave.dir, '.tufci.yaml'));
    const setup = installed(dave.dir, 'setup', '--user', '@dave', '--keyfile', dave.keyfile);
    expect(setup.err).toBe('');
    expect(setup.code).toBe(0);

    expect((await alice.tufci(...w.initArgs([alice, bob, dave], 2))).code).toBe(0);
    expect((await bob.tufci('sign', 'sign/init', '--yes')).code).toBe(0);
    const accept = installed(dave.dir, 'sign', 'sign/init', '--yes');
    expect(accept.err).toBe('');
    expect(accept.out).toContain('Accepted the invite');
    expect((await alice.tufci('sign', 'sign/init', '--yes')).code).toBe(0);
    git(dave.dir, 'pull', '-q');
    const initStatus = installed(dave.dir, 'status', '--json');
    expect(JSON.parse(initStatus.out).complete).toBe(true);
    w.merge('sign/init');
    expect((await w.ci().tufci('online-sign', '--push')).code).toBe(0);

    // an artifact event, signed by dave with the installed CLI and by bob
    git(alice.dir, 'fetch', '-q', 'origin');
    git(alice.dir, 'checkout', '-q', '-B', 'sign/add-app', 'origin/main');
    mkdirSync(join(alice.dir, 'targets'), { recursive: true });
    writeFileSync(join(alice.dir, 'targets', 'app.txt'), 'hello from the package\n');
    git(alice.dir, 'add', 'targets');
    git(alice.dir, 'commit', '-qm', 'add app');
    git(alice.dir, 'push', '-q', 'origin', 'sign/add-app');
    expect((await w.ci('sign/add-app').tufci('event', 'update', '--push')).code).toBe(0);
    // the command the PR comment gives is the one the package installs
    const md = await w.ci('sign/add-app').tufci('status', '--markdown');
    expect(md.out).toContain('`tufci sign sign/add-app`');
    expect(statSync(bin).isFile()).toBe(true);
    const sign = installed(dave.dir, 'sign', 'sign/add-app', '--yes');
    expect(sign.err).toBe('');
    expect(sign.out).toContain('added    "app.txt"');
    expect((await bob.tufci('sign', 'sign/add-app', '--yes')).code).toBe(0);
    git(dave.dir, 'pull', '-q');
    const st = installed(dave.dir, 'status');
    expect(st.code).toBe(0);
    expect(st.out).toContain('COMPLETE');

    w.merge('sign/add-app');
    const ci = w.ci();
    expect((await ci.tufci('online-sign', '--push')).code).toBe(0);
    const site = join(w.root, 'site');
    expect((await ci.tufci('publish', '--to', `dir:${site}`)).code).toBe(0);
    const v = installed(
      w.root,
      'verify',
      '--from',
      `dir:${site}`,
      '--root',
      join(site, '1.root.json'),
      '--target',
      'app.txt',
      '--no-cache',
    );
    expect(v.err).toBe('');
    expect(v.code).toBe(0);
    expect(v.out).toContain('Target "app.txt" verified: 23 bytes');
  });
});
