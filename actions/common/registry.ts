import { homedir } from 'node:os';
import * as core from '@actions/core';
import { UserError } from '../../lib/errors.js';
import { dockerConfigPath, resolveCredentials, type RegistryOptions } from '../../lib/oci/index.js';

/**
 * Registry options from the inputs `<prefix>-username` / `<prefix>-password` (both or
 * neither; the password masked): those credentials go only to the named hosts, every
 * other host gets what ~/.docker/config.json holds for it, else nothing (anonymous).
 */
export function credentialInputs(
  prefix: string,
): (namedHosts: readonly string[]) => (host: string) => Promise<RegistryOptions> {
  const username = core.getInput(`${prefix}-username`);
  const password = core.getInput(`${prefix}-password`);
  if (password) core.setSecret(password);
  if (!!username !== !!password)
    throw new UserError(
      `inputs ${prefix}-username and ${prefix}-password: give both or neither (${username ? 'the password' : 'the user'} is empty)`,
    );
  return (namedHosts) => async (host) => {
    const credentials = await resolveCredentials(host, {
      explicit: username && namedHosts.includes(host) ? { username, password } : undefined,
      dockerConfigPath: dockerConfigPath(homedir(), process.env),
    });
    return credentials ? { credentials } : {};
  };
}
