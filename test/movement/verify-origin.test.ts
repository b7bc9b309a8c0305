/**
 * Movement, scenario 4, verify side: the destination's targets lists a copied artifact
 * (and a file) itself, and delegates, terminating, to `import-web`: the source's targets
 * role byte for byte, with the source's keys, its entry naming where it comes from
 * (`x-tufci-import`). `tufci verify` at the destination reports both chains, in every form
 * (artifact by digest, `--from oci://… --target`, `--from oci-layout:`, `--from http(s)://`);
 * `--require-origin` passes only when the imported chain verifies and agrees on length and
 * hashes: it fails (exit 3) with no import, with an import that lists other hashes, and
 * with tampered import bytes, while the standard lookup still verifies the target.
 *
 * The destination is built with the real CLI (copy, delegate, event update, sign,
 * online-sign, publish); what `tufci copy --signatures original` writes (the imported bytes,
 * the terminating delegation with `x-tufci-import`; test/movement/import.test.ts runs that
 * command itself) is put in the event here with lib/tuf's envelope helpers and the signers'
 * own key files, so the tampered and disagreeing variants below can be made from it. Two real
 * docker-registry instances; the source registry is stopped before anything is verified.
 */
import { cpSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createPrivateKey, createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistryClient, type Descriptor } from '../../lib/oci/index.js';
import { parseEnvelope, serialize, signedBytes } from '../../lib/tuf/envelope.js';
import { keyId } from '../../lib/tuf/keys.js';
import { KeyObjectSigner, keyFileSigner } from '../../lib/signers/keyfile.js';
import type { Signer } from '../../lib/signers/signer.js';
import type { Envelope, SnapshotSigned, TargetsSigned } from '../../lib/tuf/types.js';
import { pushArtifact, randomData } from '../oci/support.js';
import { Fixture, ok, type Result } from '../oci-publish/support.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { serveDir, type StaticServer } from '../helpers/static-server.js';
import { PASS } from '../helpers/world.js';

const FILE = 'docs/notes.txt';
const NOTES = 'release notes v1\n';
const APP = 'apps/web:v1';

/** Replaces the signature of `signer` on `env` (its other signatures stay). */
async function resign(env: Envelope, signer: Signer): Promise<Envelope> {
  const keyid = keyId(await signer.publicKey());
  const sig = await signer.sign(signedBytes(env));
  env.signatures = [...env.signatures.filter((s) => s.keyid !== keyid), { keyid, sig }];
  return env;
}

const sha256 = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');

describe('verify at the destination reports the imported chain and the attestation', () => {
  const source = new Fixture();
  const dest = new Fixture();
  let src: TestRegistry;
  let dst: TestRegistry;
  let web: Descriptor;
  let sourceRole: Buffer;
  let server: StaticServer | undefined;
  const scratch = mkdtempSync(join(tmpdir(), 'tufci-origin-'));
  const layout = join(scratch, 'layout');
  const site = join(scratch, 'site');
  const metadata = (): string => `oci://${dst.host}/acme/tuf`;

  const verify = (...args: string[]): Promise<Result> =>
    dest.tufci('verify', ...args, '--root', dest.root1, '--no-cache');
  const verifyArtifact = (...extra: string[]): Promise<Result> =>
    verify(`oci://${dst.host}/apps/web@${web.digest}`, '--from', metadata(), ...extra);

  /** Publishes the destination's main to the registry, a layout and a static site. */
  const publishAll = async (): Promise<void> => {
    ok('publish oci', await dest.tufci('publish', '--to', metadata()));
    ok('publish layout', await dest.tufci('publish', '--to', `oci-layout:${layout}`));
    ok('publish dir', await dest.tufci('publish', '--to', `dir:${site}`));
  };

  /**
   * The import in one signing event: `tufci delegate` to import-web with the source's key
   * (the delegation the destination's signers sign), then what copy will write: the
   * source's bytes as the role, and the delegation terminating, on the copied names, with
   * `x-tufci-import`, signed again by the destination's signer.
   */
  const importEvent = async (event: string, role: Buffer): Promise<void> => {
    ok(
      'delegate',
      await dest.alice.tufci(
        'delegate',
        event,
        'import-web',
        '--signers',
        '@origin',
        '--threshold',
        '1',
        '--key',
        `@origin=${source.alice.pubfile}`,
        '--paths',
        `${APP},${FILE}`,
      ),
    );
    dest.w.sync(dest.ci, event);
    ok('event update', await dest.ci.tufci('event', 'update', '--push'));
    dest.w.sync(dest.alice, event);
    const targets = parseEnvelope(
      readFileSync(join(dest.alice.dir, 'metadata/targets.json'), 'utf8'),
      'targets',
    ) as Envelope<TargetsSigned>;
    const entry = targets.signed.delegations!.roles!.find((r) => r.name === 'import-web')!;
    entry.terminating = true;
    (entry as unknown as Record<string, unknown>)['x-tufci-import'] = {
      repository: `oci://${src.host}/acme/tuf`,
      role: 'targets',
    };
    await resign(
      targets,
      keyFileSigner(dest.alice.keyfile, async () => PASS),
    );
    dest.w.pushFiles(dest.alice, event, {
      'metadata/targets.json': serialize(targets),
      'metadata/import-web.json': role,
    });
    dest.merge(event);
    await dest.signOnline();
  };

  beforeAll(async () => {
    [src, dst] = await Promise.all([startRegistry(), startRegistry()]);
    web = (
      await pushArtifact(new RegistryClient(src.host).repository('apps/web'), {
        files: [{ name: 'app.bin', data: randomData(2048) }],
        tag: 'v1',
        artifactType: 'application/vnd.example.app',
      })
    ).descriptor;
    // the source signs apps/web:v1 and a file in its own repository
    await Promise.all([source.bootstrap(), dest.bootstrap()]);
    source.w.pushFiles(source.alice, 'sign/web', { [`targets/${FILE}`]: NOTES });
    ok(
      'add-artifact',
      await source.alice.tufci('add-artifact', 'sign/web', `oci://${src.host}/apps/web:v1`),
    );
    await source.signEvent('sign/web');
    ok('publish source', await source.tufci('publish', '--to', `oci://${src.host}/acme/tuf`));
    sourceRole = readFileSync(join(source.ci.dir, 'metadata/targets.json'));
    // the destination copies the artifact (scenario 2) and lists the same file: its signers attest both
    ok(
      'copy',
      await dest.alice.tufci(
        'copy',
        `oci://${src.host}/apps/web:v1`,
        `oci://${dst.host}/apps/web:v1`,
        '--event',
        'sign/copy-web',
        '--source-root',
        source.root1,
        '--no-cache',
      ),
    );
    dest.w.pushFiles(dest.alice, 'sign/copy-web', { [`targets/${FILE}`]: NOTES });
    await dest.signEvent('sign/copy-web');
    await src.stop();
    await publishAll();
  }, 300_000);

  afterAll(async () => {
    await server?.close();
    await Promise.all([src?.stop(), dst?.stop()]);
    source.cleanup();
    dest.cleanup();
  });

  it('without an import: verify reports the attestation; --require-origin fails with exit 3', async () => {
    const plain = await verifyArtifact();
    expect(plain.err).toBe('');
    expect(plain.code).toBe(0);
    expect(plain.out).toContain(`Target "${APP}": attested by targets, 1 of 1 key (threshold 1).`);
    const strict = await verifyArtifact('--require-origin');
    expect(strict.code).toBe(3);
    expect(strict.err).toContain(
      `--require-origin: target "${APP}" is not signed through an imported role (import-*), only by targets`,
    );
    expect(strict.err).not.toMatch(/^\s+at /m);
    const file = await verify('--from', metadata(), '--target', FILE, '--require-origin');
    expect(file.code).toBe(3);
    expect(file.err).toContain(`target "${FILE}" is not signed through an imported role`);
    const usage = await verify('--from', metadata(), '--require-origin');
    expect(usage.code).toBe(2);
    expect(usage.err).toContain('--require-origin checks a target');
  });

  describe('with the source role imported', () => {
    beforeAll(async () => {
      await importEvent('sign/import', sourceRole);
      await publishAll();
      cpSync(site, join(scratch, 'site-import'), { recursive: true });
    }, 240_000);

    const both = (path: string): string =>
      `Target "${path}": signed by the source's role "targets" (oci://${src.host}/acme/tuf) through import-web, 1 of 1 key (threshold 1); attested by targets, 1 of 1 key (threshold 1).`;

    it('the artifact by digest: both chains are reported and --require-origin passes', async () => {
      const r = await verifyArtifact('--require-origin');
      expect(r.err).toBe('');
      expect(r.code).toBe(0);
      expect(r.out).toContain(`is signed as target "${APP}" in ${metadata()}`);
      expect(r.out).toContain(both(APP));
      expect(r.out).toContain(
        'targets: attested by targets, 1 of 1 key (threshold 1): verified; decides',
      );
      expect(r.out).toContain('targets → import-web: signed by the source\'s role "targets"');
      expect(r.out).toContain('verified; same length and hashes');
      // what a client would have trusted: the imported role is the source's, byte for byte
      const published = readdirSync(site).find((f) => /^\d+\.import-web\.json$/.test(f))!;
      expect(readFileSync(join(site, published)).equals(sourceRole)).toBe(true);
    });

    it('--from oci://… --target, oci-layout: and http(s)://: both chains, --require-origin passes', async () => {
      server = await serveDir(site);
      for (const from of [metadata(), `oci-layout:${layout}`, server.url]) {
        const r = await verify('--from', from, '--target', FILE, '--require-origin');
        expect(r.err, from).toBe('');
        expect(r.out, from).toContain(`Target "${FILE}" verified: ${NOTES.length} bytes`);
        expect(r.out, from).toContain(both(FILE));
      }
    });

    it('tampered import bytes (snapshot and timestamp re-signed to match): reported, --require-origin fails, the target still verifies', async () => {
      const tampered = join(scratch, 'site-tampered');
      cpSync(join(scratch, 'site-import'), tampered, { recursive: true });
      const online = new KeyObjectSigner(createPrivateKey(dest.w.onlineKeyPem), 'online key');
      const file = readdirSync(tampered).find((f) => /^\d+\.import-web\.json$/.test(f))!;
      const role = JSON.parse(
        readFileSync(join(tampered, file), 'utf8'),
      ) as Envelope<TargetsSigned>;
      role.signed.expires = role.signed.expires.replace(/^\d{4}/, (y) => String(Number(y) + 1));
      const bytes = serialize(role);
      writeFileSync(join(tampered, file), bytes);
      const ts = JSON.parse(readFileSync(join(tampered, 'timestamp.json'), 'utf8')) as Envelope;
      const snapFile = `${(ts.signed as { meta: Record<string, { version: number }> }).meta['snapshot.json']!.version}.snapshot.json`;
      const snap = JSON.parse(
        readFileSync(join(tampered, snapFile), 'utf8'),
      ) as Envelope<SnapshotSigned>;
      snap.signed.meta['import-web.json'] = {
        ...snap.signed.meta['import-web.json']!,
        length: Buffer.byteLength(bytes),
        hashes: { sha256: sha256(bytes) },
      };
      const snapBytes = serialize(await resign(snap, online));
      writeFileSync(join(tampered, snapFile), snapBytes);
      (ts.signed as { meta: Record<string, unknown> }).meta['snapshot.json'] = {
        version: snap.signed.version,
        length: Buffer.byteLength(snapBytes),
        hashes: { sha256: sha256(snapBytes) },
      };
      writeFileSync(join(tampered, 'timestamp.json'), serialize(await resign(ts, online)));

      const plain = await verify('--from', `dir:${tampered}`, '--target', FILE);
      expect(plain.err).toBe('');
      expect(plain.code).toBe(0);
      expect(plain.out).toContain(
        `Target "${FILE}": attested by targets, 1 of 1 key (threshold 1).`,
      );
      expect(plain.out).toMatch(
        /targets → import-web: signed by the source's role "targets" .*: NOT verified: .*import-web\.json: signed by 0 distinct key\(s\)/,
      );
      const strict = await verify(
        '--from',
        `dir:${tampered}`,
        '--target',
        FILE,
        '--require-origin',
      );
      expect(strict.code).toBe(3);
      expect(strict.err).toContain(
        'no imported role verifies and agrees with the chain that decided',
      );
      expect(strict.err).toContain('import-web.json: signed by 0 distinct key(s)');
    });

    it('an import that lists other hashes for the artifact: reported as disagreeing, --require-origin fails', async () => {
      // the source re-signed its role with another artifact under the same name
      const role = parseEnvelope(
        sourceRole.toString('utf8'),
        'source targets',
      ) as Envelope<TargetsSigned>;
      const entry = role.signed.targets[APP]!;
      const other = sha256('another build');
      entry.hashes = { sha256: other };
      role.signed.version += 1;
      await resign(
        role,
        keyFileSigner(source.alice.keyfile, async () => PASS),
      );
      // what a refresh of the import does: the new bytes on the default branch, signed online
      dest.w.pushFiles(dest.alice, 'main', { 'metadata/import-web.json': serialize(role) });
      await dest.signOnline();
      await publishAll();
      const plain = await verifyArtifact();
      expect(plain.err).toBe('');
      expect(plain.code).toBe(0);
      expect(plain.out).toContain(
        `Target "${APP}": attested by targets, 1 of 1 key (threshold 1).`,
      );
      expect(plain.out).toContain(`verified, but lists ${entry.length} bytes, sha256 ${other}`);
      const strict = await verifyArtifact('--require-origin');
      expect(strict.code).toBe(3);
      expect(strict.err).toContain(`lists ${entry.length} bytes, sha256 ${other}, not the`);
      // the file the import lists alike still passes
      const file = await verify('--from', metadata(), '--target', FILE, '--require-origin');
      expect(file.err).toBe('');
    });
  });
});
