// Credential resolution: inputs, Docker config (auths, identitytoken, registrytoken, credHelpers,
// credsStore through real docker-credential-* scripts on PATH), GitHub token, anonymous.
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { after, before, beforeEach, test } from 'node:test';
import { failureInput, failureMessage } from '../../src/github/errors.js';
import { type AuthOptions, resolveCredentials } from '../../src/oci/auth.js';
import { dockerConfigPath } from '../../src/oci/docker-config.js';
import { OciError } from '../../src/oci/errors.js';
import { parseRepository } from '../../src/oci/reference.js';

let root: string;
let configDir: string;
let binDir: string;
let logFile: string;
const savedPath = process.env.PATH;
const b64 = (s: string) => Buffer.from(s).toString('base64');

before(() => {
  root = mkdtempSync(join(tmpdir(), 'docker-config-'));
  binDir = join(root, 'bin');
  mkdirSync(binDir);
  logFile = join(root, 'helper.log');
  // A real helper speaking the protocol: logs the server URL it was asked for, answers from a
  // table, and "credentials not found" (exit 1) otherwise.
  const helper = (name: string, table: Record<string, { Username: string; Secret: string }>) => {
    const cases = Object.entries(table)
      .map(
        ([server, c]) =>
          `  ${JSON.stringify(server)}) printf '%s' '${JSON.stringify({ ServerURL: server, ...c })}' ;;`,
      )
      .join('\n');
    const file = join(binDir, `docker-credential-${name}`);
    writeFileSync(
      file,
      `#!/bin/sh
[ "$1" = get ] || exit 2
read -r server
echo "${name} $server" >> ${JSON.stringify(logFile)}
case "$server" in
${cases}
  *) echo "credentials not found in native keychain"; exit 1 ;;
esac
`,
    );
    chmodSync(file, 0o755);
  };
  helper('test', {
    'registry.example.com': { Username: 'helper-user', Secret: 'helper-secret' },
    'https://index.docker.io/v1/': { Username: 'hub-user', Secret: 'hub-secret' },
    'token.example.com': { Username: '<token>', Secret: 'helper-identity-token' },
  });
  helper('store', { 'store.example.com': { Username: 'store-user', Secret: 'store-secret' } });
  const broken = join(binDir, 'docker-credential-broken');
  writeFileSync(broken, '#!/bin/sh\necho "boom" >&2\nexit 3\n');
  chmodSync(broken, 0o755);
  process.env.PATH = `${binDir}${delimiter}${savedPath}`;
});

after(() => {
  process.env.PATH = savedPath;
  rmSync(root, { recursive: true, force: true });
});

beforeEach(() => {
  configDir = mkdtempSync(join(root, 'cfg-'));
  writeFileSync(logFile, '');
});

function writeConfig(config: unknown) {
  writeFileSync(join(configDir, 'config.json'), JSON.stringify(config));
}

async function resolve(repo: string, options: AuthOptions = {}) {
  const masked: string[] = [];
  const creds = await resolveCredentials(parseRepository(repo), {
    env: { DOCKER_CONFIG: configDir },
    mask: (s) => masked.push(s),
    ...options,
  });
  return { creds, masked };
}

test('config path: $DOCKER_CONFIG, else ~/.docker', () => {
  assert.equal(dockerConfigPath({ DOCKER_CONFIG: '/x/y' }, '/home/u'), '/x/y/config.json');
  assert.equal(dockerConfigPath({}, '/home/u'), '/home/u/.docker/config.json');
});

test('explicit username/password win over everything, and are masked', async () => {
  writeConfig({ auths: { 'ghcr.io': { auth: b64('cfg:cfgpw') } } });
  const { creds, masked } = await resolve('ghcr.io/org/app', {
    username: 'me',
    password: 'pw',
    githubToken: 'ghs_x',
  });
  assert.deepEqual(creds, { kind: 'basic', username: 'me', password: 'pw', source: 'inputs' });
  assert.deepEqual(masked, ['pw']);
  await assert.rejects(
    resolve('ghcr.io/org/app', { username: 'me' }),
    (e: unknown) =>
      e instanceof OciError &&
      e.code === 'CREDENTIALS_INCOMPLETE' &&
      failureInput(e) === 'password' &&
      /must be given together/.test(failureMessage(e) ?? ''),
  );
});

test('auths: host key, URL key, repository key; auth base64 and username/password fields', async () => {
  writeConfig({
    auths: {
      'ghcr.io': { auth: b64('gh-user:gh:pass') },
      'https://quay.io/v1/': { username: 'q-user', password: 'q-pass' },
      'registry.example.net/team/app': { auth: b64('repo-user:repo-pass') },
      'registry.example.net': { auth: b64('host-user:host-pass') },
    },
  });
  const gh = await resolve('ghcr.io/org/app');
  assert.deepEqual(gh.creds, {
    kind: 'basic',
    username: 'gh-user',
    password: 'gh:pass',
    source: 'docker-config',
  });
  assert.deepEqual(gh.masked, [b64('gh-user:gh:pass'), 'gh:pass']);
  assert.deepEqual((await resolve('quay.io/org/app')).creds, {
    kind: 'basic',
    username: 'q-user',
    password: 'q-pass',
    source: 'docker-config',
  });
  assert.equal(
    ((await resolve('registry.example.net/team/app')).creds as { username: string }).username,
    'repo-user',
  );
  assert.equal(
    ((await resolve('registry.example.net/team/other')).creds as { username: string }).username,
    'host-user',
  );
});

test('Docker Hub uses the https://index.docker.io/v1/ key', async () => {
  writeConfig({ auths: { 'https://index.docker.io/v1/': { auth: b64('hub:hubpw') } } });
  for (const repo of ['nginx', 'docker.io/org/app', 'index.docker.io/org/app']) {
    const { creds } = await resolve(repo);
    assert.deepEqual(
      creds,
      { kind: 'basic', username: 'hub', password: 'hubpw', source: 'docker-config' },
      repo,
    );
  }
  assert.equal((await resolve('ghcr.io/org/app')).creds.kind, 'anonymous');
});

test('identitytoken and registrytoken', async () => {
  writeConfig({
    auths: {
      'acr.example.io': {
        auth: b64('00000000-0000-0000-0000-000000000000:'),
        identitytoken: 'refresh-me',
      },
      'reg.example.io': { registrytoken: 'bearer-me' },
    },
  });
  const id = await resolve('acr.example.io/app');
  assert.deepEqual(id.creds, {
    kind: 'identity-token',
    token: 'refresh-me',
    username: '00000000-0000-0000-0000-000000000000',
    source: 'docker-config',
  });
  assert.ok(id.masked.includes('refresh-me'));
  const reg = await resolve('reg.example.io/app');
  assert.deepEqual(reg.creds, {
    kind: 'registry-token',
    token: 'bearer-me',
    source: 'docker-config',
  });
  assert.deepEqual(reg.masked, ['bearer-me']);
});

test('credHelpers run docker-credential-<name> get with the server URL on stdin', async () => {
  writeConfig({
    auths: { 'registry.example.com': {} },
    credHelpers: {
      'registry.example.com': 'test',
      'token.example.com': 'test',
      'index.docker.io': 'test',
    },
  });
  const r = await resolve('registry.example.com/org/app');
  assert.deepEqual(r.creds, {
    kind: 'basic',
    username: 'helper-user',
    password: 'helper-secret',
    source: 'docker-config',
  });
  assert.deepEqual(r.masked, ['helper-secret']);
  const t = await resolve('token.example.com/org/app');
  assert.deepEqual(t.creds, {
    kind: 'identity-token',
    token: 'helper-identity-token',
    source: 'docker-config',
  });
  const hub = await resolve('library/alpine');
  assert.equal((hub.creds as { username: string }).username, 'hub-user');
  const { readFileSync } = await import('node:fs');
  assert.deepEqual(readFileSync(logFile, 'utf8').trim().split('\n'), [
    'test registry.example.com',
    'test token.example.com',
    'test https://index.docker.io/v1/',
  ]);
});

test('credsStore applies to every registry; "not found" falls back to auths, then on', async () => {
  writeConfig({
    credsStore: 'store',
    auths: { 'other.example.com': { auth: b64('file-user:file-pw') } },
  });
  assert.deepEqual((await resolve('store.example.com/app')).creds, {
    kind: 'basic',
    username: 'store-user',
    password: 'store-secret',
    source: 'docker-config',
  });
  assert.equal(
    ((await resolve('other.example.com/app')).creds as { username: string }).username,
    'file-user',
  );
  const gh = await resolve('ghcr.io/org/app', { githubToken: 'ghs_token', githubActor: 'octocat' });
  assert.deepEqual(gh.creds, {
    kind: 'basic',
    username: 'octocat',
    password: 'ghs_token',
    source: 'github-token',
  });
  assert.deepEqual(gh.masked, ['ghs_token']);
});

test('helper failures are one clear line without secrets', async () => {
  writeConfig({ credHelpers: { 'a.example.com': 'missing', 'b.example.com': 'broken' } });
  const line = (e: unknown) => (e instanceof OciError ? failureMessage(e) : undefined);
  await assert.rejects(resolve('a.example.com/app'), (e: unknown) => {
    assert.equal(
      line(e),
      'the Docker config names credential helper docker-credential-missing, which is not on PATH: install it, or set username/password',
    );
    return true;
  });
  await assert.rejects(resolve('b.example.com/app'), (e: unknown) => {
    assert.equal(
      line(e),
      'credential helper docker-credential-broken failed for b.example.com (exit code 3): check it works with `echo b.example.com | docker-credential-broken get`, or set username/password',
    );
    return true;
  });
});

test('an injected exec replaces spawning helpers', async () => {
  writeConfig({ credHelpers: { 'c.example.com': 'fake' } });
  const calls: string[] = [];
  const { creds } = await resolve('c.example.com/app', {
    exec: async (file, args, input) => {
      calls.push(`${file} ${args.join(' ')} <${input}`);
      return { code: 0, stdout: '{"Username":"u","Secret":"s"}', stderr: '' };
    },
  });
  assert.deepEqual(calls, ['docker-credential-fake get <c.example.com']);
  assert.deepEqual(creds, { kind: 'basic', username: 'u', password: 's', source: 'docker-config' });
});

test('GitHub token only for ghcr.io; anonymous otherwise; bad config is a clear error', async () => {
  const gh = await resolve('ghcr.io/org/app', { githubToken: 'ghs_abc' });
  assert.deepEqual(gh.creds, {
    kind: 'basic',
    username: 'x-access-token',
    password: 'ghs_abc',
    source: 'github-token',
  });
  const other = await resolve('quay.io/org/app', { githubToken: 'ghs_abc' });
  assert.deepEqual(other.creds, { kind: 'anonymous', source: 'anonymous' });
  assert.deepEqual(other.masked, []);
  writeFileSync(join(configDir, 'config.json'), '{not json');
  await assert.rejects(
    resolve('ghcr.io/org/app'),
    (e: unknown) =>
      e instanceof OciError && /is not valid JSON: fix it/.test(failureMessage(e) ?? ''),
  );
  writeConfig({ auths: { 'ghcr.io': { auth: b64('no-colon') } } });
  await assert.rejects(resolve('ghcr.io/org/app'), (e: unknown) =>
    /not base64 of user:password: run docker login again/.test(failureMessage(e) ?? ''),
  );
});
