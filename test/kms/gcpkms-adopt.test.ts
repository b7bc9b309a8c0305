/**
 * A tuf-on-ci repository whose online key is in Google Cloud KMS (or Azure Key Vault),
 * adopted with the built CLI. Its root lists the online key as tuf-on-ci (and Sigstore's
 * root-signing repository) writes it: an ecdsa-sha2-nistp256 key with
 * `keyid_hash_algorithms`, under its legacy keyid, with `x-tuf-on-ci-online-uri:
 * gcpkms:projects/…/cryptoKeyVersions/1` (or `azurekms:https://VAULT.vault.azure.net/…`).
 * python-tuf builds it (the "KMS" key is a local key standing in for the cloud's: only its
 * public half is in root). tufci reads, publishes and verifies it as it is, runs an
 * artifact event and a root event on it (signatures checked by @tufjs/models), and
 * refuses to sign online with gcpkms: or azurekms:, naming the scheme and the URIs it can
 * sign with, exit 1, metadata untouched. Then the online key moves to AWS KMS (moto) in a
 * root signing event, and online signing, publishing and verification (tufci verify and
 * python-tuf, walking root 1 → 3) work.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Metadata, MetadataKind, type Root } from '@tufjs/models';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keyId, tufKeyFromPublicPem } from '../../lib/tuf/keys.js';
import { ok, tufci, type CliResult } from '../helpers/built-cli.js';
import { startMoto } from '../helpers/moto.js';
import { ngclient, runPython, type DownloadedTarget } from '../helpers/python-tuf.js';
import { serveDir } from '../helpers/static-server.js';
import { PASS, World, git } from '../helpers/world.js';

const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');
const KMS = {
  gcpkms: {
    uri: 'gcpkms:projects/tufci-test/locations/global/keyRings/tuf/cryptoKeys/online/cryptoKeyVersions/1',
    what: 'a Google Cloud KMS key',
  },
  azurekms: {
    uri: 'azurekms:https://tufci-test.vault.azure.net/keys/online/0123456789abcdef',
    what: 'an Azure Key Vault key',
  },
} as const;
const ALTERNATIVES =
  '(use envvar:NAME, file:PATH, pkcs11:token=…;object=…?module-path=…, awskms:KEY)';

describe.each(['gcpkms', 'azurekms'] as const)(
  'adopting a tuf-on-ci repository with a %s: online key',
  (scheme) => {
    const URI = KMS[scheme].uri;
    const other = scheme === 'gcpkms' ? 'azurekms' : 'gcpkms';
    const w = new World();
    const alice = w.clone('alice');
    const bob = w.clone('bob');
    const env = { ...w.env, TUFCI_ONLINE_KEY: undefined };
    const keyids: Record<string, string> = {};
    const onMain = (path: string) => JSON.parse(git(w.remote, 'show', `main:${path}`));

    beforeAll(async () => {
      const out = await runPython<Record<string, string>>('tuf_on_ci_repo.py', {
        dir: alice.dir,
        now: w.now.toISOString(),
        passphrase: PASS,
        signers: Object.fromEntries(
          [alice, bob].map((c) => [c.user, readFileSync(c.keyfile, 'utf8')]),
        ),
        online_pem: w.onlineKeyPem,
        online_uri: URI,
        legacy_keyids: true,
        root_signers: ['@alice', '@bob'],
        root_threshold: 2,
        targets_signers: ['@alice', '@bob'],
        targets_threshold: 1,
        app_signer: '@bob',
        files: { 'existing.txt': 'made by tuf-on-ci\n', 'app/one.txt': 'app one\n' },
      });
      Object.assign(keyids, out);
      git(alice.dir, 'add', 'metadata', 'targets');
      git(alice.dir, 'commit', '-qm', 'tuf-on-ci repository');
      git(alice.dir, 'push', '-q', 'origin', 'main');
    }, 60_000);
    afterAll(() => w.cleanup());

    it(`root lists the online key as tuf-on-ci writes a ${scheme}: key`, () => {
      const root = onMain('metadata/root.json');
      expect(root.signed.keys[keyids.online!]).toMatchObject({
        keytype: 'ecdsa',
        scheme: 'ecdsa-sha2-nistp256',
        keyid_hash_algorithms: ['sha256', 'sha512'],
        'x-tuf-on-ci-online-uri': URI,
      });
      expect(root.signed.roles.timestamp.keyids).toEqual([keyids.online]);
    });

    it('is read, published and verified as it is', async () => {
      const ci = w.ci();
      const s = ok('status', await tufci(ci.dir, env, 'status'));
      expect(s.err).toBe('');
      const site = join(w.root, 'site-adopted');
      ok('publish', await tufci(ci.dir, env, 'publish', '--to', `dir:${site}`));
      const out = join(w.root, 'existing.out');
      const v = await tufci(
        ci.dir,
        env,
        ...['verify', '--from', `dir:${site}`, '--root', join(site, '1.root.json')],
        ...['--target', 'existing.txt', '--out', out],
      );
      ok('verify', v);
      expect(readFileSync(out, 'utf8')).toBe('made by tuf-on-ci\n');
    });

    it('its offline roles are signed with tufci: an artifact event and a root event', async () => {
      w.pushFiles(alice, 'sign/add', { 'targets/new.txt': 'new\n' });
      ok('event update', await tufci(w.ci('sign/add').dir, env, 'event', 'update', '--push'));
      w.sync(alice, 'sign/add');
      expect(ok('sign', await tufci(alice.dir, env, 'sign', 'sign/add', '--yes')).out).toContain(
        'Signed targets',
      );
      w.merge('sign/add');

      // a root change: the timestamp's expiry period (root holds it, so root is re-signed)
      w.sync(alice, 'main');
      ok(
        'delegate',
        await tufci(alice.dir, env, 'delegate', 'sign/ts', 'timestamp', '--expiry', '3'),
      );
      w.sync(bob, 'sign/ts');
      ok('sign', await tufci(bob.dir, env, 'sign', 'sign/ts', '--yes'));
      w.merge('sign/ts');

      const root1 = Metadata.fromJSON(
        MetadataKind.Root,
        onMain('metadata/root_history/1.root.json'),
      );
      const root2json = onMain('metadata/root.json');
      const root2 = Metadata.fromJSON(MetadataKind.Root, root2json) as Metadata<Root>;
      expect(root2.signed.version).toBe(2);
      // the KMS key stays as it was: same keyid, same fields, same URI
      expect(root2json.signed.keys[keyids.online!]).toEqual(
        onMain('metadata/root_history/1.root.json').signed.keys[keyids.online!],
      );
      expect(root2json.signed.roles.timestamp['x-tuf-on-ci-expiry-period']).toBe(3);
      // the signatures tufci made verify in an independent TUF library
      root1.verifyDelegate('root', root2);
      root2.verifyDelegate('root', root2);
      const targetsJson = onMain('metadata/targets.json');
      const targets = Metadata.fromJSON(MetadataKind.Targets, targetsJson);
      expect(Object.keys(targets.signed.targets)).toContain('new.txt');
      root2.verifyDelegate('targets', targets);
      // and the check can fail: the same signatures over other content
      targetsJson.signed.version += 1;
      const tampered = Metadata.fromJSON(MetadataKind.Targets, targetsJson);
      expect(() => root2.verifyDelegate('targets', tampered)).toThrow();
    });

    /** A refusal: exit 1, one `error:` line, no stack, nothing written. */
    const refused = async (message: string, ...args: string[]): Promise<CliResult> => {
      const ci = w.ci();
      const r = await tufci(ci.dir, env, ...args);
      expect(r.code, `${r.err}\n${r.out}`).toBe(1);
      expect(r.err).toBe(`error: ${message}\n`);
      expect(git(ci.dir, 'status', '--porcelain')).toBe('');
      expect(git(ci.dir, 'log', '-1', '--format=%s')).not.toContain('Online signing');
      return r;
    };

    it(`online signing with ${scheme}: fails, naming the scheme and the alternatives`, async () => {
      const refusal = `online signing with ${KMS[scheme].what} (${scheme}:) is not supported yet`;
      await refused(`online key URI "${URI}": ${refusal} ${ALTERNATIVES}`, 'online-sign');
      await refused(`online key URI "${URI}": ${refusal} ${ALTERNATIVES}`, 'key', 'public', URI);
      await refused(
        `--online-uri: "${KMS[other].uri}" is not an online key URI tufci can sign with: online ` +
          `signing with ${KMS[other].what} (${other}:) is not supported yet ${ALTERNATIVES}`,
        'online-sign',
        '--online-uri',
        KMS[other].uri,
      );
    });

    // once is enough: the move is the same from either scheme
    it.runIf(scheme === 'gcpkms')(
      'moves to an awskms: online key in a root signing event, then signs online and publishes',
      async () => {
        // tufci has no command to replace the online key yet: root.json is edited on the
        // event branch, and event update and sign treat it as any root change
        const moto = await startMoto();
        try {
          const k = await moto.createKey('ECC_NIST_P256');
          const awsEnv = { ...env, ...moto.env, AWS_EC2_METADATA_DISABLED: 'true' };
          const uri = `awskms:${k.arn}`;
          const pem = ok('key public', await tufci(alice.dir, awsEnv, 'key', 'public', uri)).out;
          const key = { ...tufKeyFromPublicPem(pem), 'x-tuf-on-ci-online-uri': uri };
          const id = keyId(key);
          w.sync(alice, 'sign/online');
          const path = join(alice.dir, 'metadata/root.json');
          const root = JSON.parse(readFileSync(path, 'utf8'));
          delete root.signed.keys[keyids.online!];
          root.signed.keys[id] = key;
          root.signed.roles.snapshot.keyids = [id];
          root.signed.roles.timestamp.keyids = [id];
          writeFileSync(path, JSON.stringify(root, null, 1));
          git(alice.dir, 'commit', '-qam', 'online key to AWS KMS');
          git(alice.dir, 'push', '-q', 'origin', 'HEAD:refs/heads/sign/online');
          const up = await tufci(w.ci('sign/online').dir, awsEnv, 'event', 'update', '--push');
          expect(ok('event update', up).out).toContain('root: version 3');
          for (const c of [alice, bob]) {
            w.sync(c, 'sign/online');
            const r = ok('sign', await tufci(c.dir, awsEnv, 'sign', 'sign/online', '--yes'));
            expect(r.out).toContain(`+ key online key keyid ${id.slice(0, 8)}`);
            expect(r.out).toContain(`- key online key keyid ${keyids.online!.slice(0, 8)}`);
          }
          w.merge('sign/online');

          const ci = w.ci();
          const signed = ok('online-sign', await tufci(ci.dir, awsEnv, 'online-sign', '--push'));
          expect(signed.err).toBe('');
          expect(signed.out).toContain('Signed snapshot, timestamp with the online key.');
          expect(
            onMain('metadata/timestamp.json').signatures.map((g: { keyid: string }) => g.keyid),
          ).toEqual([id]);

          const site = join(w.root, 'site-kms');
          ok('publish', await tufci(ci.dir, awsEnv, 'publish', '--to', `dir:${site}`));
          const out = join(w.root, 'new.out');
          ok(
            'verify',
            await tufci(
              ci.dir,
              awsEnv,
              ...['verify', '--from', `dir:${site}`, '--root', join(site, '1.root.json')],
              ...['--target', 'new.txt', '--out', out],
            ),
          );
          expect(readFileSync(out, 'utf8')).toBe('new\n');
          const server = await serveDir(site);
          try {
            const res = await ngclient({
              trustedRoot: join(site, '1.root.json'),
              baseUrl: server.url,
              workDir: mkdtempSync(join(w.root, 'py-')),
              targets: ['new.txt', 'app/one.txt'],
            });
            expect(res.error).toBeUndefined();
            expect(res.versions?.root).toBe(3);
            expect((res.targets['new.txt'] as DownloadedTarget).sha256).toBe(sha256('new\n'));
            expect((res.targets['app/one.txt'] as DownloadedTarget).sha256).toBe(
              sha256('app one\n'),
            );
          } finally {
            await server.close();
          }
        } finally {
          await moto.stop();
        }
      },
      120_000,
    );
  },
);

describe('a new repository', () => {
  const w = new World();
  const alice = w.clone('alice');
  afterAll(() => w.cleanup());

  it.each(['gcpkms', 'azurekms'] as const)(
    'is not bootstrapped with a %s: online key: init refuses it before writing anything',
    async (scheme) => {
      const { uri, what } = KMS[scheme];
      const r = await tufci(
        alice.dir,
        w.env,
        ...['init', '--root-signers', '@alice', '--root-threshold', '1'],
        ...['--targets-signers', '@alice', '--targets-threshold', '1'],
        ...['--online-key', w.onlinePub, '--online-uri', uri],
      );
      expect(r.code).toBe(1);
      expect(r.err).toBe(
        `error: --online-uri: "${uri}" is not an online key URI tufci can sign with: online ` +
          `signing with ${what} (${scheme}:) is not supported yet ${ALTERNATIVES}\n`,
      );
      expect(w.remoteBranches()).toEqual(['main']);
      expect(git(alice.dir, 'status', '--porcelain')).toBe('');
    },
  );
});
