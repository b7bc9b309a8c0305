/**
 * Publishing again uploads only what changed, counted with `onRequest`: an unchanged
 * repository writes nothing; one changed artifact writes its blob, its manifest, its
 * directory's index, the metadata that changed and `latest`, and reads no other target.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistryClient } from '../../lib/oci/index.js';
import { OciPublisher } from '../../lib/publish/oci.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { Fixture, Requests } from './support.js';

const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');
const files: Record<string, string> = {
  'a.txt': 'alpha\n',
  'docs/b.txt': 'bravo v1\n',
  'docs/c.txt': 'charlie\n',
  'other/d.txt': 'delta\n',
  'team/e.txt': 'echo v1\n',
};

let registry: TestRegistry;
const fx = new Fixture();
const requests = new Requests();
let publisher: OciPublisher;

beforeAll(async () => {
  registry = await startRegistry();
  await fx.bootstrap('team');
  await fx.event(files);
  const client = new RegistryClient(registry.host, { onRequest: requests.onRequest });
  publisher = new OciPublisher(`oci://${registry.host}/inc/tuf`, {
    metadata: client.repository('inc/tuf'),
    targets: client.repository('inc/tuf/targets'),
  });
});
afterAll(async () => {
  await registry?.stop();
  fx.cleanup();
});

/** Writes as `METHOD /v2/...`, upload sessions and manifest digests as `*`. */
const writes = (): string[] =>
  requests
    .writes()
    .map((w) =>
      w
        .replace(/\/blobs\/uploads\/[^?]+/, '/blobs/uploads/*')
        .replace(/\/manifests\/sha256:[0-9a-f]{64}$/, '/manifests/sha256:*'),
    )
    .sort();

const upload = (repo: string): string[] => [
  `POST /v2/${repo}/blobs/uploads/`,
  `PUT /v2/${repo}/blobs/uploads/*`,
];

describe('incremental publish', () => {
  it('publishes everything once, then nothing when nothing changed', async () => {
    const first = await publisher.publish(fx.tree());
    expect(first.written.length).toBe(fx.tree().entries.length);
    requests.clear();
    const again = await publisher.publish(fx.tree());
    expect(again.written).toEqual([]);
    expect(writes()).toEqual([]);
    // Reading the published state: latest, snapshot, targets, the role's manifest and file.
    expect(requests.log.length).toBe(5);
  });

  it('uploads only the changed artifact and the metadata that changed', async () => {
    await fx.event({ 'docs/b.txt': 'bravo v2\n' });
    const tree = fx.tree();
    const v = (role: string): number => tree.roles.get(role)!.signed.version;
    requests.clear();
    const report = await publisher.publish(tree);
    const newB = `targets/docs/${sha256('bravo v2\n')}.b.txt`;
    expect(report.written.sort()).toEqual(
      [
        newB,
        `${v('targets')}.targets.json`,
        `${v('snapshot')}.snapshot.json`,
        'timestamp.json',
      ].sort(),
    );
    expect(writes()).toEqual(
      [
        ...upload('inc/tuf/targets'),
        'PUT /v2/inc/tuf/targets/manifests/docs',
        ...upload('inc/tuf'),
        ...upload('inc/tuf'),
        ...upload('inc/tuf'),
        'PUT /v2/inc/tuf/manifests/latest',
      ].sort(),
    );
    // No request touched an unchanged target.
    for (const path of ['a.txt', 'docs/c.txt', 'other/d.txt', 'team/e.txt', 'docs/b.txt']) {
      const hex = sha256(files[path]!);
      expect(requests.log.filter((r) => r.url.includes(hex))).toEqual([]);
    }
  });

  it('a change in a delegated role writes that role, snapshot, timestamp and latest', async () => {
    await fx.event({ 'team/e.txt': 'echo v2\n' });
    const tree = fx.tree();
    const v = (role: string): number => tree.roles.get(role)!.signed.version;
    requests.clear();
    const report = await publisher.publish(tree);
    expect(report.written.sort()).toEqual(
      [
        `targets/team/${sha256('echo v2\n')}.e.txt`,
        `${v('team')}.team.json`,
        `${v('snapshot')}.snapshot.json`,
        'timestamp.json',
      ].sort(),
    );
    expect(writes()).toEqual(
      [
        ...upload('inc/tuf/targets'),
        'PUT /v2/inc/tuf/targets/manifests/team',
        ...upload('inc/tuf'),
        'PUT /v2/inc/tuf/manifests/team',
        ...upload('inc/tuf'),
        ...upload('inc/tuf'),
        'PUT /v2/inc/tuf/manifests/latest',
      ].sort(),
    );
    // The role's manifest keeps the version the old `latest` names, for clients mid-update.
    const role = await new RegistryClient(registry.host).repository('inc/tuf').getManifest('team');
    const layers = (JSON.parse(Buffer.from(role.bytes).toString()) as { layers: unknown[] }).layers;
    expect(layers.length).toBe(2);
  });
});
