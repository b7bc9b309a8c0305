/** What every registry operation needs to know about its repository. */
import type { OciErrorContext } from '../errors.js';
import type { HttpTransport } from '../transport/http.js';

export interface RegistrySettings {
  /** Blobs up to this size are uploaded in one PUT; larger ones in PATCH chunks. */
  monolithicLimit: number;
  /** Size of each PATCH chunk. */
  chunkSize: number;
  maxManifestSize: number;
  maxBlobSize: number;
}

export const DEFAULT_REGISTRY_SETTINGS: RegistrySettings = {
  monolithicLimit: 16 * 1024 * 1024,
  chunkSize: 8 * 1024 * 1024,
  maxManifestSize: 4 * 1024 * 1024,
  maxBlobSize: 8 * 1024 * 1024 * 1024,
};

export class RepoHandle {
  /** Token scopes for reading, and for reading and writing. */
  readonly pull: readonly string[];
  readonly push: readonly string[];

  constructor(
    /** `host[:port]` as the user named it. */
    readonly registry: string,
    readonly name: string,
    readonly transport: HttpTransport,
    readonly settings: RegistrySettings,
  ) {
    this.pull = [`repository:${name}:pull`];
    this.push = [`repository:${name}:pull,push`];
  }

  /** Absolute URL of `/v2/<name>/<path>`. */
  url(path: string): string {
    return `${this.transport.origin}/v2/${this.name}/${path}`;
  }

  context(operation: string, reference?: string): OciErrorContext {
    return { operation, registry: this.registry, repository: this.name, reference };
  }
}
