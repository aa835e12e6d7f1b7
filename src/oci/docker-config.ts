// Docker's config.json (`$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`): `auths`
// entries, `credHelpers` and `credsStore`, resolved the way docker/cli and ggcr's keychain do.
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { OciError } from './errors.js';
import { DOCKER_HUB } from './reference.js';

export interface AuthEntry {
  auth?: string;
  username?: string;
  password?: string;
  identitytoken?: string;
  registrytoken?: string;
}

interface DockerConfig {
  auths?: Record<string, AuthEntry>;
  credHelpers?: Record<string, string>;
  credsStore?: string;
}

interface LoadedDockerConfig {
  path: string;
  config: DockerConfig;
}

/** Docker Hub's legacy key, used in `auths` and sent to credential helpers. */
const DOCKER_HUB_SERVER = 'https://index.docker.io/v1/';
const HUB_KEYS = [DOCKER_HUB_SERVER, 'index.docker.io', 'docker.io', 'registry-1.docker.io'];

export function dockerConfigPath(env: NodeJS.ProcessEnv = process.env, home = homedir()): string {
  const dir = env.DOCKER_CONFIG || join(home, '.docker');
  return join(dir, 'config.json');
}

/** Reads the config; `undefined` when there is none. */
export async function loadDockerConfig(path: string): Promise<LoadedDockerConfig | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    throw new OciError(
      { code: 'DOCKER_CONFIG_UNUSABLE', path, problem: 'unreadable', detail: code ?? 'unknown' },
      { cause: err },
    );
  }
  let config: unknown;
  try {
    config = JSON.parse(text);
  } catch {
    throw new OciError({ code: 'DOCKER_CONFIG_UNUSABLE', path, problem: 'json' });
  }
  if (typeof config !== 'object' || config === null) return { path, config: {} };
  return { path, config: config as DockerConfig };
}

/** The host a config key refers to: `https://ghcr.io/v1/` → `ghcr.io` (docker's ConvertToHostname). */
function keyHost(key: string): string {
  const stripped = key.replace(/^https?:\/\//, '');
  return stripped.split('/')[0] ?? '';
}

/** The server URL docker uses for a registry in helpers and `auths`. */
export function serverUrlFor(registry: string): string {
  return registry === DOCKER_HUB ? DOCKER_HUB_SERVER : registry;
}

/**
 * The `auths` entry for a repository: first a key naming the repository itself (as ggcr and
 * podman allow), then one naming its registry in any of docker's spellings.
 */
export function findAuthEntry(
  config: DockerConfig,
  registry: string,
  repositoryName: string,
): AuthEntry | undefined {
  const auths = config.auths ?? {};
  const keys = Object.keys(auths);
  const exactRepo = keys.find(
    (k) => k.replace(/^https?:\/\//, '').replace(/\/$/, '') === repositoryName,
  );
  if (exactRepo) return auths[exactRepo];
  const hosts = registry === DOCKER_HUB ? HUB_KEYS.map(keyHost) : [registry];
  // Prefer the exact key docker writes, then any spelling with scheme or path.
  const preferred = registry === DOCKER_HUB ? DOCKER_HUB_SERVER : registry;
  if (auths[preferred]) return auths[preferred];
  const key = keys.find((k) => hosts.includes(keyHost(k).toLowerCase()));
  return key === undefined ? undefined : auths[key];
}

/** The credential helper for a registry: `credHelpers[host]`, else `credsStore`. */
export function findHelper(config: DockerConfig, registry: string): string | undefined {
  const helpers = config.credHelpers ?? {};
  const hosts = registry === DOCKER_HUB ? HUB_KEYS : [registry];
  for (const h of hosts) {
    const name = helpers[h];
    if (name) return name;
  }
  return config.credsStore || undefined;
}
