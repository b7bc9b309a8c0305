/**
 * Where registry credentials come from, in order: explicit options, an env-like map
 * (`TUFCI_REGISTRY_USERNAME` / `TUFCI_REGISTRY_PASSWORD`), then a docker `config.json`
 * (`auths[host].auth`, base64 `user:pass`). Credential helpers (`credsStore`) are not run.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { OciError } from '../errors.js';

export interface Credentials {
  username: string;
  /** A password or an access token. */
  password: string;
}

const ENV_USERNAME = 'TUFCI_REGISTRY_USERNAME';
const ENV_PASSWORD = 'TUFCI_REGISTRY_PASSWORD';

export interface CredentialSources {
  explicit?: { username?: string; password?: string };
  /** An env-like map; only the two TUFCI_REGISTRY_* keys are read. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Path of a docker config.json; a missing file is not an error. */
  dockerConfigPath?: string;
}

/** The docker config path: `$DOCKER_CONFIG/config.json`, else `<home>/.docker/config.json`. */
export function dockerConfigPath(
  home: string,
  env: Readonly<Record<string, string | undefined>> = {},
): string {
  const dir = env.DOCKER_CONFIG;
  return dir ? join(dir, 'config.json') : join(home, '.docker', 'config.json');
}

/** The credentials for `host` (`host[:port]`), or undefined for anonymous access. */
export async function resolveCredentials(
  host: string,
  sources: CredentialSources,
): Promise<Credentials | undefined> {
  const explicit = pair(sources.explicit?.username, sources.explicit?.password);
  if (explicit) return explicit;
  const env = pair(sources.env?.[ENV_USERNAME], sources.env?.[ENV_PASSWORD]);
  if (env) return env;
  if (sources.dockerConfigPath) return fromDockerConfig(host, sources.dockerConfigPath);
  return undefined;
}

function pair(username: string | undefined, password: string | undefined): Credentials | undefined {
  return username && password ? { username, password } : undefined;
}

interface DockerAuthEntry {
  auth?: string;
  username?: string;
  password?: string;
}

async function fromDockerConfig(host: string, path: string): Promise<Credentials | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new OciError('invalid', { operation: 'read docker config', registry: host }, path, {
      cause: e,
    });
  }
  let auths: Record<string, DockerAuthEntry>;
  try {
    auths = (JSON.parse(text) as { auths?: Record<string, DockerAuthEntry> }).auths ?? {};
  } catch {
    // The text may hold secrets: never quote it.
    throw new OciError(
      'invalid',
      { operation: 'read docker config', registry: host },
      `${path} is not JSON`,
    );
  }
  const wanted = aliases(host);
  for (const [key, entry] of Object.entries(auths)) {
    if (!wanted.includes(normalizeConfigKey(key))) continue;
    if (entry.auth) {
      const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon > 0) return pair(decoded.slice(0, colon), decoded.slice(colon + 1));
    }
    const direct = pair(entry.username, entry.password);
    if (direct) return direct;
  }
  return undefined;
}

/** `https://host:5000/v1/` → `host:5000`. */
function normalizeConfigKey(key: string): string {
  return key.replace(/^[a-z]+:\/\//, '').replace(/\/.*$/, '');
}

function aliases(host: string): string[] {
  const docker = ['docker.io', 'index.docker.io', 'registry-1.docker.io'];
  return docker.includes(host) ? docker : [host];
}
