// Credential resolution, in the order the product promises: explicit username/password, the
// Docker config (auths, identitytoken, registrytoken, credHelpers, credsStore), a GitHub token
// for ghcr.io, else anonymous. Every secret found goes to `mask` before anything else sees it.
import { getFromHelper, spawnExec } from './credential-helper.js';
import { ANONYMOUS, type Credentials, type ExecFn, type MaskFn } from './credentials.js';
import {
  type AuthEntry,
  dockerConfigPath,
  findAuthEntry,
  findHelper,
  loadDockerConfig,
  serverUrlFor,
} from './docker-config.js';
import { OciError } from './errors.js';
import type { Repository } from './reference.js';

export interface AuthOptions {
  username?: string;
  password?: string;
  /** Used for `githubTokenRegistries` (default `ghcr.io`) when nothing else matched. */
  githubToken?: string;
  /** Username sent with the GitHub token (any non-empty value works); default `x-access-token`. */
  githubActor?: string;
  githubTokenRegistries?: string[];
  /** Explicit config.json path; default from `$DOCKER_CONFIG` or `~/.docker`. */
  dockerConfig?: string;
  /** Skip the Docker config entirely. */
  ignoreDockerConfig?: boolean;
  env?: NodeJS.ProcessEnv;
  exec?: ExecFn;
  mask?: MaskFn;
}

export async function resolveCredentials(
  repository: Repository,
  options: AuthOptions = {},
): Promise<Credentials> {
  const mask = options.mask ?? (() => {});
  const { username, password } = options;
  if (username || password) {
    if (!username || !password) {
      throw new OciError({
        code: 'CREDENTIALS_INCOMPLETE',
        missing: username ? 'password' : 'username',
      });
    }
    mask(password);
    return { kind: 'basic', username, password, source: 'inputs' };
  }

  if (!options.ignoreDockerConfig) {
    const fromConfig = await fromDockerConfig(repository, options, mask);
    if (fromConfig) return fromConfig;
  }

  const ghRegistries = options.githubTokenRegistries ?? ['ghcr.io'];
  if (options.githubToken && ghRegistries.includes(repository.registry)) {
    mask(options.githubToken);
    return {
      kind: 'basic',
      username: options.githubActor || 'x-access-token',
      password: options.githubToken,
      source: 'github-token',
    };
  }
  return ANONYMOUS;
}

async function fromDockerConfig(
  repository: Repository,
  options: AuthOptions,
  mask: MaskFn,
): Promise<Credentials | undefined> {
  const path = options.dockerConfig ?? dockerConfigPath(options.env ?? process.env);
  const loaded = await loadDockerConfig(path);
  if (!loaded) return undefined;
  const { config } = loaded;

  // Like docker/cli: a helper (credHelpers for this host, else credsStore) is asked first; when
  // it has nothing we still look at `auths`, which tools like login actions may have written.
  const helper = findHelper(config, repository.registry);
  if (helper) {
    const found = await getFromHelper(
      helper,
      serverUrlFor(repository.registry),
      options.exec ?? spawnExec,
    );
    if (found) {
      mask(found.secret);
      return found.identityToken
        ? { kind: 'identity-token', token: found.secret, source: 'docker-config' }
        : {
            kind: 'basic',
            username: found.username,
            password: found.secret,
            source: 'docker-config',
          };
    }
  }

  const entry = findAuthEntry(config, repository.registry, repository.name);
  return entry ? fromEntry(entry, path, mask) : undefined;
}

function fromEntry(entry: AuthEntry, path: string, mask: MaskFn): Credentials | undefined {
  let username = entry.username ?? '';
  let password = entry.password ?? '';
  if (entry.auth) {
    mask(entry.auth);
    let decoded: string;
    try {
      decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
    } catch {
      decoded = '';
    }
    const colon = decoded.indexOf(':');
    if (colon <= 0) {
      throw new OciError({ code: 'DOCKER_CONFIG_UNUSABLE', path, problem: 'auth' });
    }
    username = decoded.slice(0, colon);
    password = decoded.slice(colon + 1);
  }
  if (password) mask(password);
  if (entry.identitytoken) {
    mask(entry.identitytoken);
    return {
      kind: 'identity-token',
      token: entry.identitytoken,
      username,
      source: 'docker-config',
    };
  }
  if (entry.registrytoken) {
    mask(entry.registrytoken);
    return { kind: 'registry-token', token: entry.registrytoken, source: 'docker-config' };
  }
  if (username && password) return { kind: 'basic', username, password, source: 'docker-config' };
  return undefined;
}
