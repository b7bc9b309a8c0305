import type { Command } from 'commander';
import type { OciPublishReport } from '../lib/publish/oci.js';
import { openOciPublisher } from '../lib/publish/oci-destination.js';
import type { Progress, Publisher } from '../lib/publish/publisher.js';
import type { PublishTree } from '../lib/publish/tree.js';
import { withContext } from '../lib/errors.js';
import type { Ctx } from './context.js';
import { registerAddArtifact } from './commands/oci-add-artifact.js';
import {
  hostOf,
  registryAccess,
  registryFlags,
  withRegistryFlags,
} from './commands/oci-registry.js';
import { ociVerify, type OciVerifyOpts } from './commands/oci-verify.js';

/** Opens the destination when publishing starts (credentials are resolved then). */
class OciDestinationPublisher implements Publisher {
  constructor(
    readonly destination: string,
    private readonly ctx: Ctx,
  ) {}

  async publish(tree: PublishTree, progress?: Progress): Promise<OciPublishReport> {
    const ctx = this.ctx;
    const host = hostOf(this.destination);
    const access = registryAccess(ctx, registryFlags(ctx), host ? [host] : []);
    return withContext(`publish to ${this.destination}`, async () => {
      const publisher = await openOciPublisher(this.destination, {
        cwd: ctx.cwd,
        registry: access,
        log: (line) => ctx.out(line),
      });
      return publisher.publish(tree, progress);
    });
  }
}

/** OCI destinations (`oci://`, `oci-layout:`) for publish, and OCI artifact verification. */
export function registerOci(ctx: Ctx): void {
  ctx.publishers = {
    ...ctx.publishers,
    oci: (to, c) => new OciDestinationPublisher(to, c),
    'oci-layout': (to, c) => new OciDestinationPublisher(to, c),
  };
  ctx.artifactVerifier = (artifact, opts, c) => ociVerify(artifact, opts as OciVerifyOpts, c);
}

/** OCI subcommands (`add-artifact`), and registry flags on `publish` and `verify`. */
export function registerOciCommands(program: Command, ctx: Ctx): void {
  registerAddArtifact(program, ctx);
  const publish = program.commands.find((c) => c.name() === 'publish');
  if (publish) withRegistryFlags(publish, ctx);
  const verify = program.commands.find((c) => c.name() === 'verify');
  if (verify) {
    withRegistryFlags(verify, ctx).option(
      '--cache <dir>',
      'OCI: TUF client metadata cache, kept between runs to refuse rollbacks (default: ~/.cache/tufci/oci/…)',
    );
  }
}
