/**
 * Signing an artifact that lives in a registry: `add-artifact` records its descriptor
 * in a signing event, publish attaches an unsigned pointer referrer (found by oras
 * discover through the fallback tag), and `verify oci://…@sha256:…` with a pinned root
 * succeeds: through the pointer, with --from, by tag, and air-gapped from layouts.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { POINTER } from '../../lib/oci/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Descriptor } from '../../lib/oci/index.js';
import { ArtifactWorld } from './artifact-world.js';
import { Fixture, ORAS, SKOPEO, ok, tool } from './support.js';

const aw = new ArtifactWorld();
const { fx } = aw;
let host: string;
let web: Descriptor;
const verify = (...args: string[]) => aw.verify(...args);
const cache = (): string => aw.cache();
const signArtifact = (f: Fixture, event: string, ref: string) => aw.signArtifact(f, event, ref);

beforeAll(async () => {
  await aw.start();
  ({ host, web } = aw);
});
afterAll(() => aw.stop());

describe('signing and verifying a registry artifact', () => {
  it('add-artifact records the descriptor; publish attaches a pointer', async () => {
    const out = await signArtifact(fx, 'sign/web', `oci://${host}/apps/web:v1`);
    expect(out).toContain(`Added target "apps/web:v1" in role targets: ${web.digest}`);
    const targets = JSON.parse(readFileSync(join(fx.ci.dir, 'metadata', 'targets.json'), 'utf8'));
    expect(targets.signed.targets['apps/web:v1']).toEqual({
      length: web.size,
      hashes: { sha256: web.digest.slice('sha256:'.length) },
      custom: {
        oci: { mediaType: web.mediaType, digest: web.digest, size: web.size },
        'x-tufci-oci-source': `${host}/apps/web`,
      },
    });
    const pub = ok('publish', await fx.tufci('publish', '--to', `oci://${host}/acme/tuf`));
    expect(pub.out).toContain(
      `pointer for "apps/web:v1": attached on ${host}/apps/web@${web.digest}`,
    );
    const again = ok('publish again', await fx.tufci('publish', '--to', `oci://${host}/acme/tuf`));
    expect(again.out).toContain('pointer for "apps/web:v1": present');

    const found = JSON.parse(
      await tool(
        ORAS,
        ['discover', '--plain-http', '--format', 'json', `${host}/apps/web@${web.digest}`],
        {
          HOME: fx.w.root,
        },
      ),
    ) as { manifests: { artifactType: string; annotations?: Record<string, string> }[] };
    expect(found.manifests).toHaveLength(1);
    expect(found.manifests[0]!.artifactType).toBe(POINTER.artifactType);
    expect(found.manifests[0]!.annotations).toMatchObject({
      [POINTER.metadataAnnotation]: `oci://${host}/acme/tuf`,
      [POINTER.targetAnnotation]: 'apps/web:v1',
    });
  });

  it('verifies by digest and by tag through the pointer, or with --from', async () => {
    const byDigest = ok(
      'verify digest',
      await verify(`oci://${host}/apps/web@${web.digest}`, '--cache', cache()),
    );
    expect(byDigest.out).toContain(
      `is signed as target "apps/web:v1" in oci://${host}/acme/tuf (timestamp version`,
    );
    ok('verify tag', await verify(`${host}/apps/web:v1`, '--cache', cache()));
    const from = ok(
      'verify --from',
      await verify(
        `oci://${host}/apps/web@${web.digest}`,
        '--from',
        `oci://${host}/acme/tuf`,
        '--cache',
        cache(),
      ),
    );
    expect(from.out).toContain('signed as target "apps/web:v1"');
  });

  it('verifies air-gapped: artifact and metadata carried as OCI layout directories', async () => {
    const carried = mkdtempSync(join(fx.w.root, 'airgap-'));
    await tool(SKOPEO, [
      'copy',
      '--src-tls-verify=false',
      `docker://${host}/apps/web@${web.digest}`,
      `oci:${join(carried, 'web')}:v1`,
    ]);
    ok('publish layout', await fx.tufci('publish', '--to', `oci-layout:${join(carried, 'tuf')}`));
    const r = ok(
      'verify offline',
      await verify(
        `oci-layout:${join(carried, 'web')}@${web.digest}`,
        '--from',
        `oci-layout:${join(carried, 'tuf')}`,
        '--cache',
        cache(),
      ),
    );
    expect(r.out).toContain(`${web.digest} (${web.size} bytes, ${web.mediaType}) is signed`);
  });
});
