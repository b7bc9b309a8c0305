/** The publisher for a parsed `--to` location: a static tree on disk, or TUF on OCI. */
import type { OciLocationSpec, Location } from '../lib/location.js';
import type { OciPublishReport } from '../lib/publish/oci.js';
import { openOciPublisher } from '../lib/publish/oci-destination.js';
import { DirPublisher } from '../lib/publish/dir.js';
import type { PageInfo } from '../lib/publish/html.js';
import type { Progress, Publisher } from '../lib/publish/publisher.js';
import type { PublishTree } from '../lib/publish/tree.js';
import { UsageError } from '../lib/errors.js';
import type { Ctx } from './context.js';
import { withContext } from '../lib/errors.js';
import { registryAccess, type RegistryFlags } from './registry-flags.js';

/** Opens the destination when publishing starts (credentials are resolved then). */
class OciDestinationPublisher implements Publisher {
  readonly destination: string;

  constructor(
    private readonly location: OciLocationSpec,
    private readonly flags: RegistryFlags,
    private readonly ctx: Ctx,
  ) {
    this.destination = location.spec;
  }

  async publish(tree: PublishTree, progress?: Progress): Promise<OciPublishReport> {
    const ctx = this.ctx;
    const named = this.location.kind === 'oci' ? [this.location.host] : [];
    const access = registryAccess(ctx, this.flags, named);
    return withContext(`publish to ${this.destination}`, async () => {
      const publisher = await openOciPublisher(this.location, {
        registry: access,
        log: (line) => ctx.out(line),
      });
      return publisher.publish(tree, progress);
    });
  }
}

/** The publisher for `--to`; `flags` are the registry flags of the command; `page` describes index.html. */
export function publisherFor(
  ctx: Ctx,
  to: Location,
  flags: RegistryFlags,
  page: PageInfo = {},
): Publisher {
  switch (to.kind) {
    case 'dir':
      return new DirPublisher(to.path, page, ctx.now);
    case 'oci':
    case 'oci-layout':
      return new OciDestinationPublisher(to, flags, ctx);
    case 'http':
      throw new UsageError(`--to "${to.spec}": publishing over HTTP is not supported`);
  }
}
