/**
 * Registry access for the OCI commands: credential flags, TUFCI_REGISTRY_USERNAME /
 * TUFCI_REGISTRY_PASSWORD, and ~/.docker/config.json. Flag and env credentials go only
 * to the hosts the user named; a host named by an unsigned pointer gets only what
 * docker's config.json holds for it.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { dockerConfigPath, resolveCredentials, type RegistryOptions } from '../lib/oci/index.js';
import { UserError } from '../lib/errors.js';
import type { Ctx } from './context.js';

export interface RegistryFlags {
  registryUsername?: string;
  registryPasswordFile?: string;
  plainHttp?: boolean;
}

/** Registry options for each host: credentials, and plain HTTP when asked. */
export function registryAccess(
  ctx: Ctx,
  flags: RegistryFlags,
  namedHosts: readonly string[],
  extra: Partial<RegistryOptions> = {},
): (host: string) => Promise<RegistryOptions> {
  let password: string | undefined;
  if (flags.registryPasswordFile) {
    try {
      password = readFileSync(resolve(ctx.cwd, flags.registryPasswordFile), 'utf8').replace(
        /\r?\n$/,
        '',
      );
    } catch (e) {
      throw new UserError(
        `--registry-password-file: cannot read ${flags.registryPasswordFile} (${(e as NodeJS.ErrnoException).code})`,
      );
    }
  }
  const home = ctx.env.HOME;
  return async (host) => {
    const named = namedHosts.includes(host);
    const credentials = await resolveCredentials(host, {
      explicit: named ? { username: flags.registryUsername, password } : undefined,
      env: named ? ctx.env : undefined,
      dockerConfigPath: home ? dockerConfigPath(home, ctx.env) : undefined,
    });
    const options: RegistryOptions = { ...extra };
    if (credentials) options.credentials = credentials;
    if (flags.plainHttp && named) options.plainHttp = true;
    return options;
  };
}
