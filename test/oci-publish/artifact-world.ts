/** The shared setup of the artifact tests: a registry, an artifact in it, a signed repository. */
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { RegistryClient, type Descriptor, type RegistryRepository } from '../../lib/oci/index.js';
import { OciPublisher } from '../../lib/publish/oci.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { pushArtifact, randomData } from '../oci/support.js';
import { Fixture, ok, type Result } from './support.js';

export class ArtifactWorld {
  registry!: TestRegistry;
  host = '';
  /** `apps/web`, with the artifact tagged v1. */
  apps!: RegistryRepository;
  web!: Descriptor;
  readonly fx = new Fixture();

  async start(): Promise<this> {
    this.registry = await startRegistry();
    this.host = this.registry.host;
    this.apps = new RegistryClient(this.host).repository('apps/web');
    this.web = (
      await pushArtifact(this.apps, {
        files: [{ name: 'app.bin', data: randomData(2048) }],
        tag: 'v1',
        artifactType: 'application/vnd.example.app',
      })
    ).descriptor;
    await this.fx.bootstrap();
    return this;
  }

  async stop(): Promise<void> {
    await this.registry?.stop();
    this.fx.cleanup();
  }

  /** Publishes `f`'s main to `repo` without pointers (the lib, not the CLI). */
  async publishTo(f: Fixture, repo: string): Promise<void> {
    const client = new RegistryClient(this.host);
    await new OciPublisher(`oci://${this.host}/${repo}`, {
      metadata: client.repository(repo),
      targets: client.repository(`${repo}/targets`),
    }).publish(f.tree());
  }

  /** Signs `reference` in a new event of `f` and merges it; returns add-artifact's output. */
  async signArtifact(f: Fixture, event: string, reference: string): Promise<string> {
    const add = ok('add-artifact', await f.alice.tufci('add-artifact', event, reference));
    await f.signEvent(event);
    return add.out;
  }

  /** `tufci verify ARGS --root <the fixture's 1.root.json>`. */
  verify(...args: string[]): Promise<Result> {
    return this.fx.tufci('verify', ...args, '--root', this.fx.root1);
  }

  /** A fresh client cache. */
  cache(): string {
    return mkdtempSync(join(this.fx.w.root, 'cache-'));
  }
}
