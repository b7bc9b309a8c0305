/**
 * A re-mirror after one change sends requests in proportion to the change (issue 11,
 * point 7): a repository of 40 target files (half top-level, half in directories), a
 * delegated role and a signed registry artifact is published to registry A and mirrored
 * to registry B; then one file changes, A is published again, and the re-mirror's
 * requests are counted at both registries from their access logs.
 *
 * Every request is sorted by what it is about:
 * - changed: the targets repository's requests about the changed file (its blob, its
 *   manifest and tag) and the uploads into it;
 * - metadata: the metadata repository's (TUF verification of A, and of B after the copy;
 *   the new metadata files and `latest` sent);
 * - other: everything else (unchanged target files, the artifact's repository, tag lists).
 * The bound is changed + metadata + 10: the "other" requests, the ones that would grow
 * with the size of the repository, stay within 10; none is about an unchanged file.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistryClient } from '../../lib/oci/index.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { pushArtifact, randomData } from '../oci/support.js';
import { Fixture, ok } from '../oci-publish/support.js';

const fx = new Fixture();
let a: TestRegistry;
let b: TestRegistry;
const META = 'acme/tuf';
const TARGETS = 'acme/tuf/targets';

interface Logged {
  method: string;
  path: string;
  status: number;
}

/** `"GET /v2/acme/tuf/manifests/latest HTTP/1.1" 200` → method, path, status. */
function parse(line: string): Logged {
  const m = /"([A-Z]+) (\S+) HTTP\/[\d.]+" (\d+)/.exec(line);
  if (!m) throw new Error(`not an access log line: ${line}`);
  return { method: m[1]!, path: m[2]!, status: Number(m[3]) };
}

/** The repository a `/v2/<name>/(blobs|manifests|tags|referrers)/…` path is about. */
function repositoryOf(path: string): string {
  return /^\/v2\/(.+?)\/(?:blobs|manifests|tags|referrers)\//.exec(path)?.[1] ?? '';
}

async function logSince(r: TestRegistry, from: number): Promise<Logged[]> {
  return (await r.accessLog()).slice(from).map(parse);
}

beforeAll(async () => {
  [a, b] = await Promise.all([
    startRegistry({ accessLog: true }),
    startRegistry({ accessLog: true }),
  ]);
  const apps = new RegistryClient(a.host).repository('apps/web');
  await pushArtifact(apps, {
    files: [{ name: 'app.bin', data: randomData(4096) }],
    tag: 'v1',
    artifactType: 'application/vnd.example.app',
  });
  await fx.bootstrap('app');
  const files: Record<string, string> = { 'app/x.txt': 'in the delegated role\n' };
  for (let i = 0; i < 20; i++) {
    files[`file-${i}.txt`] = `top-level file ${i}\n`;
    files[`dir${i % 4}/file-${i}.txt`] = `file ${i} in a directory\n`;
  }
  await fx.event(files);
  ok(
    'add-artifact',
    await fx.alice.tufci('add-artifact', 'sign/web', `oci://${a.host}/apps/web:v1`),
  );
  await fx.signEvent('sign/web');
  ok('publish', await fx.tufci('publish', '--to', `oci://${a.host}/${META}`));
  ok(
    'first mirror',
    await fx.tufci(
      'mirror',
      `oci://${a.host}/${META}`,
      `oci://${b.host}/${META}`,
      '--root',
      fx.root1,
    ),
  );
}, 180_000);
afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
  fx.cleanup();
});

describe('a re-mirror after one change', () => {
  for (const [name, file] of [
    ['a top-level file', 'file-7.txt'],
    ['a file in a directory', 'dir1/file-5.txt'],
  ] as const) {
    it(`of ${name}: at most changed + metadata + 10 requests, none about unchanged files`, async () => {
      const content = `${file} changed at ${Date.now()}\n`;
      await fx.event({ [file]: content });
      ok('publish change', await fx.tufci('publish', '--to', `oci://${a.host}/${META}`));
      const sha = createHash('sha256').update(content).digest('hex');
      const [fromA, fromB] = [(await a.accessLog()).length, (await b.accessLog()).length];

      const r = ok(
        're-mirror',
        await fx.tufci('mirror', `oci://${a.host}/${META}`, `oci://${b.host}/${META}`),
      );
      expect(r.out).toContain('Copied 2 manifests and 4 blobs');

      const [atA, atB] = [await logSince(a, fromA), await logSince(b, fromB)];
      const requests = [...atA, ...atB];
      // the manifest the changed file is in at A (its own, or its directory's)
      const targetsAtA = new RegistryClient(a.host).repository(TARGETS);
      const tag = file.includes('/') ? file.slice(0, file.indexOf('/')) : undefined;
      const tags = tag ? [tag] : (await targetsAtA.listTags()).filter((t) => t.includes(sha));
      expect(tags).toHaveLength(1);
      const manifest = (await targetsAtA.headManifest(tags[0]!))!.digest;
      const about = (q: Logged): 'changed' | 'metadata' | 'other' => {
        const repo = repositoryOf(q.path);
        if (repo === META) return 'metadata';
        const mentions = [sha, manifest, `/manifests/${tags[0]}`, '/blobs/uploads/'];
        if (repo === TARGETS && mentions.some((m) => q.path.includes(m))) return 'changed';
        return 'other';
      };
      const count = { changed: 0, metadata: 0, other: 0 };
      for (const q of requests) count[about(q)]++;
      const others = requests.filter((q) => about(q) === 'other');
      console.log(
        `re-mirror after changing ${file}: ${requests.length} requests (A ${atA.length}, B ${atB.length}): changed ${count.changed}, metadata ${count.metadata}, other ${count.other}; ` +
          `bound changed + metadata + 10 = ${count.changed + count.metadata + 10}\n` +
          others.map((q) => `  other: ${q.method} ${q.path} ${q.status}`).join('\n'),
      );
      expect(requests.length).toBeLessThanOrEqual(count.changed + count.metadata + 10);
      // nothing about the unchanged target files
      expect(others.filter((q) => repositoryOf(q.path) === TARGETS)).toEqual([]);
    });
  }
});
