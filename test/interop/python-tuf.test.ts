/**
 * Interop: metadata tufci signs (ed25519 and ECDSA offline keys, an ECDSA online
 * key, a delegated role, target names with non-ASCII and control characters) is
 * verified by python-tuf's ngclient over HTTP, and by tuf-js; keyids and meta
 * entries are recomputed independently with securesystemslib.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { canonicalize } from '@tufjs/canonical-json';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MetadataError } from '../../lib/errors.js';
import { parseEnvelope, signedBytes } from '../../lib/tuf/envelope.js';
import { keyId, tufKeyFromPublicPem } from '../../lib/tuf/keys.js';
import type { Envelope, TargetsSigned } from '../../lib/tuf/types.js';
import { inspectPublished, ngclient, runPython } from '../helpers/python-tuf.js';
import type { DownloadedTarget } from '../helpers/python-tuf.js';
import { serveDir } from '../helpers/static-server.js';
import type { StaticServer } from '../helpers/static-server.js';
import { World, git } from '../helpers/world.js';

const sha256 = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');

const TOP = 'ünïcode-\u0001.txt';
const TOP_BYTES = 'top-level target with a strange name\n';
const DEEP = 'app/ßeta-\u0007-☃-😀.bin';
const DEEP_BYTES = Buffer.from([0, 1, 2, 0xff, 0xfe, 10]);

describe('python-tuf verifies what tufci signs', () => {
  const w = new World();
  const alice = w.clone('alice', '@alice', 'ed25519');
  const bob = w.clone('bob', '@bob', 'ecdsa');
  const site = join(w.root, 'site');
  let server: StaticServer;

  beforeAll(async () => {
    await w.bootstrap([alice, bob], 2);
    // one event: two artifacts with awkward names, and a delegated role for app/*
    w.pushFiles(alice, 'sign/names', {
      [`targets/${TOP}`]: TOP_BYTES,
      [`targets/${DEEP}`]: DEEP_BYTES,
    });
    const d = await alice.tufci(
      'delegate',
      'sign/names',
      'app',
      '--signers',
      '@bob',
      '--threshold',
      '1',
    );
    expect(d.err).toBe('');
    const b = await bob.tufci('sign', 'sign/names', '--yes');
    expect(b.err).toBe('');
    expect(b.out).toContain(JSON.stringify(TOP));
    expect(b.out).toContain(JSON.stringify(DEEP));
    const st = JSON.parse((await w.ci('sign/names').tufci('status', '--json')).out);
    expect(st.complete).toBe(true);
    w.merge('sign/names');
    const ci = w.ci();
    expect((await ci.tufci('online-sign', '--push')).code).toBe(0);
    const pub = await ci.tufci('publish', '--to', `dir:${site}`);
    expect(pub.err).toBe('');
    server = await serveDir(site);
  }, 120_000);

  afterAll(async () => {
    await server?.close();
    w.cleanup();
  });

  it('ngclient refreshes over HTTP and downloads both targets', async () => {
    const res = await ngclient({
      trustedRoot: join(site, '1.root.json'),
      baseUrl: server.url,
      workDir: mkdtempSync(join(w.root, 'py-')),
      targets: [TOP, DEEP, 'absent.txt'],
    });
    expect(res.error).toBeUndefined();
    expect(res.versions).toMatchObject({ root: 1, targets: 2, app: 1, snapshot: 2 });
    const top = res.targets[TOP] as DownloadedTarget;
    expect(top).toMatchObject({ length: Buffer.byteLength(TOP_BYTES), sha256: sha256(TOP_BYTES) });
    expect(readFileSync(top.file, 'utf8')).toBe(TOP_BYTES);
    const deep = res.targets[DEEP] as DownloadedTarget;
    expect(deep).toMatchObject({ length: DEEP_BYTES.length, sha256: sha256(DEEP_BYTES) });
    expect(res.targets['absent.txt']).toBeNull();
    // the consistent-snapshot names were requested, percent-decoded by the server
    const served = server.requests.filter((r) => r.status === 200).map((r) => r.path);
    expect(served).toContain(`targets/${sha256(TOP_BYTES)}.${TOP}`);
    expect(served).toContain(`targets/app/${sha256(DEEP_BYTES)}.${DEEP.slice(4)}`);
    expect(served).toContain('1.app.json');
  });

  it('tuf-js (tufci verify) downloads the same targets from the directory and over HTTP', async () => {
    const ci = w.ci();
    for (const from of [`dir:${site}`, server.url]) {
      const out = join(w.root, `out-${sha256(from).slice(0, 6)}`);
      const v = await ci.tufci('verify', '--from', from, '--target', DEEP, '--out', out);
      expect(v.err).toBe('');
      expect(readFileSync(out)).toEqual(DEEP_BYTES);
      const t = await ci.tufci('verify', '--from', from, '--target', TOP);
      expect(t.out).toContain(`sha256 ${sha256(TOP_BYTES)}`);
    }
  });

  it('keyids are the sha256 of the canonical key, as securesystemslib computes them', async () => {
    const pems = [alice.pubfile, bob.pubfile, w.onlinePub].map((f) => readFileSync(f, 'utf8'));
    const facts = await inspectPublished(site, pems);
    const ours = pems.map((p) => keyId(tufKeyFromPublicPem(p)));
    expect(facts.pem_keyids).toEqual(ours);
    expect(Object.keys(facts.root_keyids).sort()).toEqual([...ours].sort());
    for (const [id, recomputed] of Object.entries(facts.root_keyids)) expect(recomputed).toBe(id);
    const targets = parseEnvelope(readFileSync(join(site, '2.targets.json'), 'utf8'), 'targets');
    const delegationKeys = (targets.signed as TargetsSigned).delegations?.keys ?? {};
    expect(Object.keys(delegationKeys)).toEqual([ours[1]]);
    expect(delegationKeys[ours[1]!]?.['x-tuf-on-ci-keyowner']).toBe('@bob');
  });

  it('snapshot and timestamp meta carry the length and sha256 of what is published', async () => {
    const facts = await inspectPublished(site, []);
    const entries = [
      ...Object.entries(facts.meta.timestamp),
      ...Object.entries(facts.meta.snapshot),
    ];
    expect(entries.map(([n]) => n).sort()).toEqual(['app.json', 'snapshot.json', 'targets.json']);
    for (const [name, m] of entries) {
      expect(m.actual.exists, name).toBe(true);
      expect(m.length, name).toBe(m.actual.length);
      expect(m.hashes, name).toEqual({ sha256: m.actual.sha256 });
    }
  });

  it('python-tuf canonical bytes equal the bytes tufci signs, for every published file', async () => {
    const facts = await inspectPublished(site, []);
    const files = readdirSync(site).filter((f) => f.endsWith('.json'));
    expect(Object.keys(facts.canonical).sort()).toEqual(files.sort());
    for (const f of files) {
      const env = parseEnvelope(readFileSync(join(site, f), 'utf8'), f);
      expect(facts.canonical[f], f).toBe(sha256(signedBytes(env)));
    }
    // the control character is signed raw (OLPC canonical JSON), not escaped
    const t = parseEnvelope(readFileSync(join(site, '2.targets.json'), 'utf8'), 't');
    expect(signedBytes(t).includes(Buffer.from(`"${TOP}"`))).toBe(true);
  });

  it('names that sort differently by UTF-16 and by code point are refused before signing', async () => {
    const a = '\uFF01.txt'; // U+FF01: one UTF-16 unit, sorts after surrogates
    const b = '😀.txt'; // U+1F600: a surrogate pair
    const env: Envelope = {
      signed: {
        _type: 'targets',
        spec_version: '1.0.31',
        version: 1,
        expires: '2030-01-01T00:00:00Z',
        targets: {
          [a]: { length: 1, hashes: { sha256: 'aa'.repeat(32) } },
          [b]: { length: 1, hashes: { sha256: 'bb'.repeat(32) } },
        },
      },
      signatures: [],
    };
    // the hazard: python-tuf's canonical bytes differ from tuf-js's
    const file = join(w.root, 'order.json');
    writeFileSync(file, JSON.stringify(env));
    const py = await runPython<Record<string, string>>('canonical.py', { files: [file] });
    expect(py[file]).not.toBe(sha256(canonicalize(env.signed)));
    // so tufci signs neither, and says why
    expect(() => signedBytes(env)).toThrow(MetadataError);
    expect(() => signedBytes(env)).toThrow(`names "${b}" and "${a}" sort differently`);
    // and an event with such files stops at CI, naming the metadata file
    w.pushFiles(alice, 'sign/order', { [`targets/${a}`]: 'a', [`targets/${b}`]: 'b' });
    const ci = w.ci('sign/order');
    const before = git(w.remote, 'rev-parse', 'sign/order');
    const r = await ci.tufci('event', 'update', '--push');
    expect(r.code).toBe(1);
    expect(r.err).toContain('metadata/targets.json: names');
    expect(git(w.remote, 'rev-parse', 'sign/order')).toBe(before);
    expect(git(ci.dir, 'status', '--porcelain')).toBe('');
  });
});
