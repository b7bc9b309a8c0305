/**
 * An imported role (the source's role byte for byte, delegated with `x-tufci-import`) goes
 * through a signing event, online-sign and publish unchanged: `event update` neither
 * re-versions nor re-signs it, status does not ask the destination's signers for it,
 * online-sign lists it in snapshot with the source's version, and publish serves its bytes
 * even though it lists a file the destination does not hold. The source role is signed by a
 * key generated here (the destination never holds it); a real git remote, the real CLI.
 */
import { createHash, sign } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { canonicalize } from '@tufjs/canonical-json';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importRole } from '../../lib/event/import.js';
import { RepoDir } from '../../lib/tuf/repo.js';
import type { Envelope, SnapshotSigned } from '../../lib/tuf/types.js';
import { newKey, type TestKey } from '../helpers/signed-roles.js';
import { git } from '../helpers/world.js';
import { Fixture, ok } from '../oci-publish/support.js';

const APP = 'apps/web:v1';
const MANIFEST = Buffer.from('{"schemaVersion":2}');
const HEX = createHash('sha256').update(MANIFEST).digest('hex');

/** The source's role: version 7, an artifact and a file, signed by `key`. */
function sourceRole(key: TestKey, expires: Date): Buffer {
  const signed = {
    _type: 'targets',
    spec_version: '1.0.31',
    version: 7,
    expires: expires.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    targets: {
      [APP]: {
        length: MANIFEST.length,
        hashes: { sha256: HEX },
        custom: {
          oci: {
            mediaType: 'application/vnd.oci.image.manifest.v1+json',
            digest: `sha256:${HEX}`,
            size: MANIFEST.length,
          },
          'x-tufci-source': 'src.example/apps/web',
        },
      },
      'docs/only-at-source.txt': { length: 5, hashes: { sha256: 'ab'.repeat(32) } },
    },
  };
  const sig = sign(null, Buffer.from(canonicalize(signed)), key.priv).toString('hex');
  // the source's own formatting (compact): a rewrite here would show at once
  return Buffer.from(JSON.stringify({ signatures: [{ keyid: key.keyid, sig }], signed }));
}

describe('an imported role stays the source bytes through event update, status, online-sign and publish', () => {
  const dest = new Fixture();
  const key = newKey();
  let bytes: Buffer;

  beforeAll(async () => {
    await dest.bootstrap();
    bytes = sourceRole(key, new Date(dest.w.now.getTime() + 90 * 86_400_000));
    dest.w.sync(dest.alice, 'sign/import');
    importRole(new RepoDir(dest.alice.dir), {
      role: 'import-web',
      bytes,
      keys: { [key.keyid]: key.json },
      keyids: [key.keyid],
      threshold: 1,
      paths: [APP],
      source: { repository: 'oci://src.example/acme/tuf', role: 'targets' },
    });
    git(dest.alice.dir, 'add', '-A');
    git(dest.alice.dir, 'commit', '-qm', 'import');
    git(dest.alice.dir, 'push', '-q', 'origin', 'HEAD:refs/heads/sign/import');
  }, 120_000);
  afterAll(() => dest.cleanup());

  it('event update keeps the bytes; status names the import and asks only for targets', async () => {
    dest.w.sync(dest.ci, 'sign/import');
    const up = ok('event update', await dest.ci.tufci('event', 'update', '--push'));
    expect(up.out).not.toContain('import-web: version');
    expect(readFileSync(join(dest.ci.dir, 'metadata/import-web.json')).equals(bytes)).toBe(true);
    dest.w.sync(dest.alice, 'sign/import');
    const st = await dest.alice.tufci('status');
    expect(st.err).toBe('');
    expect(st.out).toContain(
      'import-web v7 (expires ' + JSON.parse(bytes.toString()).signed.expires,
    );
    expect(st.out).toContain(
      `imported byte for byte from role "targets" of oci://src.example/acme/tuf: signed there by 1 of its 1 key(s) (${key.keyid.slice(0, 12)}), threshold 1 (met); nobody here signs it`,
    );
    expect(st.out).toMatch(/targets v2 .*needs signatures/);
    expect(st.out).toContain('Waiting for: @alice');
  });

  it('signed by the destination (targets only), merged, online-signed and published unchanged', async () => {
    const s = ok('sign', await dest.alice.tufci('sign', 'sign/import', '--yes'));
    expect(s.out).not.toMatch(/Signed .*import-web/);
    dest.merge('sign/import');
    await dest.signOnline();
    const main = join(dest.ci.dir, 'metadata');
    expect(readFileSync(join(main, 'import-web.json')).equals(bytes)).toBe(true);
    const snap = JSON.parse(
      readFileSync(join(main, 'snapshot.json'), 'utf8'),
    ) as Envelope<SnapshotSigned>;
    expect(snap.signed.meta['import-web.json']!.version).toBe(7);
    const site = join(dest.w.root, 'site');
    ok('publish', await dest.tufci('publish', '--to', `dir:${site}`));
    expect(readFileSync(join(site, '7.import-web.json')).equals(bytes)).toBe(true);
    expect(readdirSync(site).filter((f) => f.includes('import-web'))).toEqual([
      '7.import-web.json',
    ]);
    // a later event that changes nothing of it leaves it alone, and nobody is asked to bump it
    const st = await dest.tufci('status');
    expect(st.err).toBe('');
    expect(st.out).toContain('Every offline role is signed');
    expect(st.out).toContain(
      'import-web v7: role "targets" of oci://src.example/acme/tuf, expires ' +
        (JSON.parse(bytes.toString()) as Envelope).signed.expires,
    );
    expect(st.out).not.toContain('DUE');
    const later = await dest.tufciWith(
      { now: () => new Date(dest.w.now.getTime() + 85 * 86_400_000) },
      'status',
    );
    expect(later.out).toMatch(
      /import-web v7: .* \(DUE: the source has not published a newer version/,
    );
    expect(later.out).not.toMatch(/Roles that need a new signed version:[^]*import-web/);
  });

  it('once the imported role expires, online-sign refuses and names the refresh', async () => {
    dest.w.sync(dest.ci, 'main');
    const later = new Date(dest.w.now.getTime() + 100 * 86_400_000);
    const r = await dest.ci.tufciWith({ now: () => later }, 'online-sign');
    expect(r.code).toBe(1);
    expect(r.err).toContain(
      'metadata/import-web.json: the imported role (role "targets" of oci://src.example/acme/tuf) expired on',
    );
    expect(r.err).toContain('run `tufci copy --refresh`');
  });

  it('an imported role changed with the same version is refused by event update', async () => {
    const other = JSON.parse(bytes.toString()) as Envelope;
    (other.signed as { targets: Record<string, unknown> }).targets['x.txt'] = {
      length: 1,
      hashes: { sha256: '00'.repeat(32) },
    };
    dest.w.pushFiles(dest.alice, 'sign/tamper', {
      'metadata/import-web.json': JSON.stringify(other),
    });
    dest.w.sync(dest.ci, 'sign/tamper');
    const up = await dest.ci.tufci('event', 'update');
    expect(up.code).toBe(1);
    expect(up.err).toContain(
      'metadata/import-web.json: the imported role changed but keeps version 7',
    );
  });
});
