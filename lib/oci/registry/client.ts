/** A registry (one host) and the repositories on it; shares auth and tokens between them. */
import { Authenticator } from '../transport/auth.js';
import { readText } from '../transport/body.js';
import type { Credentials } from '../transport/credentials.js';
import { OciError } from '../errors.js';
import { HttpTransport, type HttpOptions } from '../transport/http.js';
import { isLoopbackHost, isValidRepository } from '../reference.js';
import { DEFAULT_REGISTRY_SETTINGS, RepoHandle, type RegistrySettings } from './handle.js';
import { RegistryRepository } from './repository.js';

export interface RegistryOptions extends HttpOptions, Partial<RegistrySettings> {
  /** Resolve them with resolveCredentials(); anonymous when absent. */
  credentials?: Credentials;
  /** Use http://. Defaults to true for loopback hosts (localhost, 127.x, [::1]) only. */
  plainHttp?: boolean;
}

export class RegistryClient {
  readonly transport: HttpTransport;
  private readonly settings: RegistrySettings;

  constructor(
    /** `host[:port]`. */
    readonly host: string,
    options: RegistryOptions = {},
  ) {
    const plain = options.plainHttp ?? isLoopbackHost(host);
    this.transport = new HttpTransport(`${plain ? 'http' : 'https'}://${host}`, options);
    this.settings = {
      monolithicLimit: options.monolithicLimit ?? DEFAULT_REGISTRY_SETTINGS.monolithicLimit,
      chunkSize: options.chunkSize ?? DEFAULT_REGISTRY_SETTINGS.chunkSize,
      maxManifestSize: options.maxManifestSize ?? DEFAULT_REGISTRY_SETTINGS.maxManifestSize,
      maxBlobSize: options.maxBlobSize ?? DEFAULT_REGISTRY_SETTINGS.maxBlobSize,
    };
    const transport = this.transport;
    this.transport.authenticator = new Authenticator(
      host,
      options.credentials,
      (url, headers) =>
        transport.request(
          {
            method: 'GET',
            url,
            headers,
            auth: false,
            context: { operation: 'get bearer token', registry: host },
          },
          async (res) => ({ status: res.status, text: await readText(res, 1 << 20) }),
        ),
      options.now,
    );
  }

  repository(name: string): RegistryRepository {
    if (!isValidRepository(name)) {
      throw new OciError(
        'invalid',
        { operation: 'open repository', registry: this.host },
        `${JSON.stringify(name)} is not a valid repository name`,
      );
    }
    return new RegistryRepository(new RepoHandle(this.host, name, this.transport, this.settings));
  }

  /** Checks that the host speaks the distribution API (`GET /v2/`), authenticating if asked. */
  async ping(): Promise<void> {
    const context = { operation: 'GET /v2/', registry: this.host };
    await this.transport.request(
      { method: 'GET', url: `${this.transport.origin}/v2/`, scopes: [], context },
      async (res) => {
        await readText(res, 4096).catch(() => '');
        if (res.status !== 200) {
          throw new OciError(res.status === 401 ? 'unauthorized' : 'http', {
            ...context,
            status: res.status,
          });
        }
      },
    );
  }
}
