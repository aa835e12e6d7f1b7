// The bad-input matrix: every entry point (dist under Node 24, as the runner runs it), each wrong
// input a user can give, symlinked parents included. Each case must exit 1 with ONE error line
// that names the input, no stack trace, no `unexpected error:`, no secret; the registry must be
// unchanged and nothing written outside the workspace (or inside it, apart from what was there).
import assert from 'node:assert/strict';
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { RegistryClient } from '../../src/oci/client.js';
import { parseRepository } from '../../src/oci/reference.js';
import { type RunOptions, type RunResult, runAction } from '../harness/action.js';
import { startRegistry, type TestRegistry } from '../harness/registry.js';

const SECRET = 'matrix-password-7f3a';
const KEY_PASSWORD = 'matrix-key-password-91c2';
const ID =
  '- issuer: ^https://token\\.actions\\.githubusercontent\\.com$\n  subject: ^https://github\\.com/org/x$';
const PEM =
  '-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED SIGSTORE PRIVATE KEY-----';

/** Every file and directory under `dir`, as relative paths (links not followed). */
function tree(dir: string, prefix = ''): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const rel = `${prefix}${e.name}`;
    out.push(rel);
    if (e.isDirectory()) out.push(...tree(join(dir, e.name), `${rel}/`));
  }
  return out.sort();
}

type Entry = 'publish' | 'push' | 'sign' | 'tag' | 'verify' | 'diff' | 'pull' | 'list';
interface Case {
  entry: Entry;
  name: string;
  inputs: Record<string, string | undefined>;
  /** The one error line must match this (it names the input at fault). */
  expect: RegExp;
  options?: Partial<RunOptions>;
}

describe('bad-input matrix: one clear line, registry unchanged, nothing written', () => {
  let registry: TestRegistry;
  let top = '';
  let ws = '';
  let outside = '';
  let repo = '';
  let other = '';
  let clients: RegistryClient[] = [];
  let before_: string[][] = [];
  let wsTree: string[] = [];

  before(async () => {
    registry = await startRegistry({ auth: 'basic' });
    repo = `${registry.host}/org/matrix`;
    other = `${registry.host}/org/matrix-copy`;
    top = mkdtempSync(join(tmpdir(), 'matrix-'));
    ws = join(top, 'ws');
    outside = join(top, 'outside');
    mkdirSync(join(ws, 'deploy'), { recursive: true });
    mkdirSync(join(outside, 'sub'), { recursive: true });
    mkdirSync(join(ws, 'full'));
    mkdirSync(join(ws, 'trusted-dir'));
    writeFileSync(join(ws, 'deploy', 'a.yaml'), 'a: 1\n');
    writeFileSync(join(ws, 'full', 'mine.txt'), 'mine');
    writeFileSync(join(ws, 'afile'), 'a file');
    writeFileSync(join(ws, 'bad-root.json'), '{ not json');
    writeFileSync(join(ws, 'cosign.key'), 'not really a key');
    writeFileSync(join(outside, 'secret.txt'), 'outside secret');
    writeFileSync(join(outside, 'sub', 'x.yaml'), 'x: 1\n');
    writeFileSync(join(outside, 'root.json'), '{}');
    mkdirSync(join(ws, '.docker-dir', 'config.json'), { recursive: true });
    mkdirSync(join(ws, '.docker-json'));
    writeFileSync(join(ws, '.docker-json', 'config.json'), '{"auths": ');
    symlinkSync(outside, join(ws, 'vendor'));
    symlinkSync(join(top, 'nowhere'), join(ws, 'dangling'));
    const auth = { username: registry.username ?? '', password: registry.password ?? '' };
    // One artifact to point the registry-side cases at.
    const seeded = await runAction('push', {
      inputs: { repository: repo, path: 'deploy', tags: 'base', ...auth },
      workspace: ws,
    });
    assert.equal(seeded.exitCode, 0, seeded.stdout + seeded.stderr);
    clients = [repo, other].map(
      (r) =>
        new RegistryClient(parseRepository(r), {
          username: registry.username,
          password: registry.password,
          ignoreDockerConfig: true,
        }),
    );
    before_ = await Promise.all(clients.map((c) => c.listTags().catch(() => [])));
    wsTree = tree(ws);
  });
  after(async () => {
    await registry?.stop();
    if (top) rmSync(top, { recursive: true, force: true });
  });

  const auth = () => ({ username: registry.username ?? '', password: SECRET });
  const realAuth = () => ({ username: registry.username ?? '', password: registry.password ?? '' });
  const badRepo = (r: string) => ({ repository: r });

  // [entry, name, inputs, expect]; `repository` and credentials are added unless given.
  const C = (
    entry: Entry,
    name: string,
    inputs: Record<string, string | undefined>,
    expect: RegExp,
    options?: Partial<RunOptions>,
  ): Case => ({ entry, name, inputs, expect, ...(options ? { options } : {}) });

  const cases: Case[] = [
    // publish / push: paths (symlinked parents first)
    C(
      'push',
      'path through a symlinked parent',
      { path: 'vendor/sub' },
      /path .*symlink vendor ->/,
    ),
    C(
      'push',
      'path: one outside file through a symlinked parent',
      { path: 'vendor/secret.txt' },
      /path .*symlink vendor ->/,
    ),
    C(
      'publish',
      'path: the symlink itself',
      { path: 'vendor', sign: 'false' },
      /path .*symlink vendor ->/,
    ),
    C('push', 'path ../..', { path: '../..' }, /path .*outside the workspace/),
    C('push', 'path absolute outside', { path: '/etc' }, /path .*outside the workspace/),
    C('push', 'path through a dangling symlink', { path: 'dangling/x' }, /path .*points nowhere/),
    C('push', 'path missing', { path: 'nope' }, /path/),
    C('push', 'path under a file', { path: 'afile/x' }, /path .*afile is a file/),
    C(
      'diff',
      'diff: path through a symlinked parent',
      { path: 'vendor/sub', ref: 'base' },
      /path .*symlink vendor ->/,
    ),
    C(
      'diff',
      'diff: one outside file',
      { path: 'vendor/secret.txt', ref: 'base' },
      /path .*symlink vendor ->/,
    ),
    C('diff', 'diff: path missing', { path: 'gone' }, /path/),
    // repository
    C('push', 'repository missing', { repository: undefined }, /repository/),
    C('push', 'repository with a tag', badRepo('REG/org/app:v1'), /repository .*tag/),
    C(
      'push',
      'repository with a digest',
      badRepo(`REG/org/app@sha256:${'a'.repeat(64)}`),
      /repository/,
    ),
    C('push', 'repository path starting with a dash', badRepo('REG/-org/app'), /repository/),
    C('push', 'repository with spaces', badRepo('REG/org/my app'), /repository/),
    C('push', 'repository with an http scheme', badRepo('http://REG/org/app'), /repository/),
    C('push', 'repository without a path', badRepo('REG/'), /repository/),
    C('pull', 'pull: repository ..', { ...badRepo('REG/org/../x'), output: 'o' }, /repository/),
    C('list', 'list: repository missing', { repository: undefined }, /repository/),
    C(
      'list',
      'list: repository with a digest',
      badRepo(`REG/org/app@sha256:${'b'.repeat(64)}`),
      /repository/,
    ),
    C(
      'sign',
      'sign: repository with an empty path segment',
      { ...badRepo('REG/org//x'), ref: 'base', sign: 'false' },
      /repository/i,
    ),
    C(
      'tag',
      'tag: repository with a tag',
      { ...badRepo('REG/org/x:y'), ref: 'base', tags: 'v1' },
      /repository/,
    ),
    C(
      'verify',
      'verify: repository missing',
      { repository: undefined, 'match-oidc-identity': ID },
      /repository/,
    ),
    C('diff', 'diff: repository bad', badRepo('REG/a//b'), /repository/),
    // tags, refs
    C('push', 'tags with a space and !', { tags: 'bad tag!' }, /tags/),
    C('push', 'tags of 129 characters', { tags: 't'.repeat(129) }, /tags/),
    C('push', 'tags starting with -', { tags: '-x' }, /tags/),
    C('push', 'tags with an unknown placeholder', { tags: 'v{{nope}}' }, /tags/),
    C('push', 'tags placeholder with nothing to fill it', { tags: '{{pr}}' }, /tags|pr/),
    C('push', 'diff-tag invalid', { 'diff-tag': 'bad!' }, /diff-tag/),
    C('push', 'unknown event without tags', {}, /tags/, { eventName: 'issue_comment' }),
    C('tag', 'tag: ref a bad digest', { ref: 'sha256:abc', tags: 'x' }, /ref .*digest/),
    C('tag', 'tag: ref a full reference', { ref: 'ghcr.io/org/app:v1', tags: 'x' }, /ref/),
    C('tag', 'tag: ref missing artifact', { ref: 'missing', tags: 'x' }, /not found/),
    C('tag', 'tag: no tags', { ref: 'base' }, /tags/),
    C('tag', 'tag: tags invalid', { ref: 'base', tags: 'no/slash' }, /tags/),
    C(
      'tag',
      'tag: if-exists invalid',
      { ref: 'base', tags: 'v1', 'if-exists': 'maybe' },
      /if-exists/,
    ),
    C('sign', 'sign: ref invalid', { ref: 'bad ref!', 'cosign-key': PEM }, /ref/),
    C('pull', 'pull: ref invalid', { ref: '../x', output: 'o' }, /ref/),
    C('pull', 'pull: ref missing', { ref: 'missing', output: 'o' }, /not found/),
    C('diff', 'diff: ref invalid', { ref: 'a:b:c', path: 'deploy' }, /ref/),
    C('verify', 'verify: ref bad digest', { ref: 'sha256:zz', 'match-oidc-identity': ID }, /ref/),
    // created, annotations, source/revision
    C('push', 'created not a time', { created: 'yesterday' }, /created/),
    C('push', 'created impossible date', { created: '2026-13-45T00:00:00Z' }, /created/),
    C('push', 'annotations without =', { annotations: 'no-equals-sign' }, /annotations/),
    C('push', 'annotations with an empty key', { annotations: '=value' }, /annotations/),
    // booleans and choices
    C(
      'push',
      'resolve-symlinks yes',
      { 'resolve-symlinks': 'yes' },
      /resolve-symlinks must be true or false/,
    ),
    C('push', 'ignore-defaults maybe', { 'ignore-defaults': 'maybe' }, /ignore-defaults/),
    C('push', 'summary on', { summary: 'on' }, /summary/),
    C('push', 'insecure y', { insecure: 'y' }, /insecure/),
    C('publish', 'sign nope', { sign: 'nope' }, /sign/),
    C(
      'publish',
      'signature-format unknown',
      { 'signature-format': 'cosign-v9' },
      /signature-format/,
    ),
    C(
      'sign',
      'sign: signature-format unknown',
      { ref: 'base', 'signature-format': 'v2' },
      /signature-format/,
    ),
    C('tag', 'tag: verify yes', { ref: 'base', tags: 'v1', verify: 'yes' }, /verify/),
    C('tag', 'tag: sign 1', { ref: 'base', tags: 'v1', sign: '1' }, /sign/),
    C(
      'verify',
      'verify: fail-on-unverified perhaps',
      { 'fail-on-unverified': 'perhaps', 'match-oidc-identity': ID },
      /fail-on-unverified/,
    ),
    C(
      'diff',
      'diff: fail-on-change x',
      { 'fail-on-change': 'x', path: 'deploy' },
      /fail-on-change/,
    ),
    C(
      'diff',
      'diff: ignore-defaults x',
      { 'ignore-defaults': 'x', path: 'deploy' },
      /ignore-defaults/,
    ),
    C('list', 'list: summary x', { summary: 'x' }, /summary/),
    C('pull', 'pull: summary x', { summary: 'x', output: 'o', ref: 'base' }, /summary/),
    // signing setup
    C('publish', 'keyless without id-token permission', {}, /id-token/),
    C('sign', 'sign: keyless without id-token permission', { ref: 'base' }, /id-token/),
    C('publish', 'cosign-key without password', { 'cosign-key': PEM }, /cosign-key-password/, {
      env: { COSIGN_PASSWORD: undefined },
    }),
    C(
      'publish',
      'cosign-key garbage',
      { 'cosign-key': 'not a key', 'cosign-key-password': KEY_PASSWORD },
      /cosign-key/,
    ),
    C(
      'publish',
      'cosign-key given as a path',
      { 'cosign-key': 'cosign.key', 'cosign-key-password': KEY_PASSWORD },
      /cosign-key/,
    ),
    C(
      'sign',
      'sign: cosign-key garbage',
      {
        ref: 'base',
        'cosign-key':
          '-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED SIGSTORE PRIVATE KEY-----',
        'cosign-key-password': KEY_PASSWORD,
      },
      /cosign-key/,
    ),
    C(
      'publish',
      'private repository, public log, no consent',
      {},
      /allow-public-log-for-private-repo/,
      {
        event: { ref: 'refs/heads/main', repository: { private: true } },
        env: {
          ACTIONS_ID_TOKEN_REQUEST_URL: 'http://127.0.0.1:9/token',
          ACTIONS_ID_TOKEN_REQUEST_TOKEN: 't',
        },
      },
    ),
    C('publish', 'fulcio-url not a URL', { 'fulcio-url': 'not a url' }, /fulcio-url/, {
      env: {
        ACTIONS_ID_TOKEN_REQUEST_URL: 'http://127.0.0.1:9/token',
        ACTIONS_ID_TOKEN_REQUEST_TOKEN: 't',
      },
    }),
    C('publish', 'rekor-url ftp', { 'rekor-url': 'ftp://rekor.example' }, /rekor-url/, {
      env: {
        ACTIONS_ID_TOKEN_REQUEST_URL: 'http://127.0.0.1:9/token',
        ACTIONS_ID_TOKEN_REQUEST_TOKEN: 't',
      },
    }),
    C(
      'sign',
      'sign: tsa-url not a URL',
      { ref: 'base', 'tsa-url': '::nope', 'cosign-key': PEM, 'cosign-key-password': KEY_PASSWORD },
      /tsa-url/,
    ),
    // trusted-root (workspace or RUNNER_TEMP only)
    C(
      'publish',
      'trusted-root through a symlinked parent',
      { 'trusted-root': 'vendor/root.json' },
      /trusted-root .*symlink vendor ->/,
    ),
    C(
      'publish',
      'trusted-root outside',
      { 'trusted-root': '../outside/root.json' },
      /trusted-root .*outside/,
    ),
    C(
      'sign',
      'sign: trusted-root missing',
      { ref: 'base', 'trusted-root': 'nope.json' },
      /trusted-root/,
    ),
    C(
      'sign',
      'sign: trusted-root a directory',
      { ref: 'base', 'trusted-root': 'trusted-dir' },
      /trusted-root/,
    ),
    C(
      'verify',
      'verify: trusted-root through a symlinked parent',
      { 'trusted-root': 'vendor/root.json', 'match-oidc-identity': '- issuer: x\n  subject: y' },
      /trusted-root .*symlink vendor ->/,
    ),
    C(
      'verify',
      'verify: trusted-root not JSON',
      {
        ref: 'base',
        'trusted-root': 'bad-root.json',
        'match-oidc-identity': '- issuer: x\n  subject: y',
      },
      /trusted-root/,
    ),
    C(
      'tag',
      'tag: trusted-root outside',
      {
        ref: 'base',
        tags: 'v1',
        verify: 'true',
        'trusted-root': '/etc/passwd',
        'match-oidc-identity': '- issuer: x\n  subject: y',
      },
      /trusted-root .*outside/,
    ),
    C(
      'sign',
      'sign: trusted-root not JSON',
      { ref: 'base', 'trusted-root': 'bad-root.json' },
      /trusted-root.*not JSON/,
    ),
    C(
      'publish',
      'trusted-root not JSON',
      { 'trusted-root': 'bad-root.json' },
      /trusted-root.*not JSON/,
    ),
    // Docker config the user (or a login action) set up
    C(
      'push',
      'Docker config is a directory',
      { username: undefined, password: undefined },
      /config\.json cannot be read \(it is a directory\)/,
      {
        env: { DOCKER_CONFIG: 'WS/.docker-dir' },
      },
    ),
    C(
      'pull',
      'pull: Docker config not JSON',
      { username: undefined, password: undefined, output: 'o' },
      /Docker config .*not valid JSON/,
      {
        env: { DOCKER_CONFIG: 'WS/.docker-json' },
      },
    ),
    // verify inputs
    C('verify', 'verify: neither identity nor key', {}, /match-oidc-identity/),
    C(
      'verify',
      'verify: identity without subject',
      { 'match-oidc-identity': '- issuer: ^https://x$' },
      /match-oidc-identity/,
    ),
    C(
      'verify',
      'verify: identity bad regexp',
      { ref: 'base', 'match-oidc-identity': '- issuer: (\n  subject: x' },
      /match-oidc-identity/,
    ),
    C(
      'verify',
      'verify: identity unknown key',
      { 'match-oidc-identity': '- issuer: x\n  subjekt: y' },
      /match-oidc-identity/,
    ),
    C(
      'verify',
      'verify: public-key garbage',
      { ref: 'base', 'public-key': 'not a pem' },
      /public-key/,
    ),
    C(
      'tag',
      'tag: verify without identity or key',
      { ref: 'base', tags: 'v1', verify: 'true' },
      /match-oidc-identity/,
    ),
    C(
      'tag',
      'tag: match-oidc-identity unterminated quote',
      {
        ref: 'base',
        tags: 'v1',
        verify: 'true',
        'match-oidc-identity': "- issuer: 'x\n  subject: y",
      },
      /match-oidc-identity/,
    ),
    C(
      'tag',
      'tag: copy-to with spaces',
      { ref: 'base', tags: 'v1', 'copy-to': 'REG/org/x y' },
      /copy-to/,
    ),
    C(
      'tag',
      'tag: copy-to with a tag',
      { ref: 'base', tags: 'v1', 'copy-to': 'REG/org/x:v1' },
      /copy-to/,
    ),
    C('tag', 'tag: copy-to the source', { ref: 'base', tags: 'v1', 'copy-to': 'REPO' }, /copy-to/),
    // pull output
    C('pull', 'pull: output empty', { output: '' }, /output .*required/),
    C('pull', 'pull: output the workspace', { output: '.' }, /output .*workspace itself/),
    C(
      'pull',
      'pull: output an existing file',
      { output: 'afile' },
      /output "afile" is an existing file/,
    ),
    C(
      'pull',
      'pull: output a non-empty directory',
      { output: 'full' },
      /output "full" is a directory that is not empty/,
    ),
    C(
      'pull',
      'pull: output through a symlinked parent',
      { output: 'vendor/pulled' },
      /output .*symlink vendor ->/,
    ),
    C('pull', 'pull: output outside', { output: '../escape' }, /output .*outside the workspace/),
    C(
      'pull',
      'pull: output through a dangling link',
      { output: 'dangling/x' },
      /output .*points nowhere/,
    ),
    C('pull', 'pull: output under a file', { output: 'afile/sub' }, /output .*afile is a file/),
    C('pull', 'pull: max-size lots', { output: 'o', 'max-size': 'lots' }, /max-size/),
    C('pull', 'pull: max-size negative', { output: 'o', 'max-size': '-5MiB' }, /max-size/),
    C('pull', 'pull: max-size unknown unit', { output: 'o', 'max-size': '5PB' }, /max-size/),
    C('pull', 'pull: max-entries 0', { output: 'o', 'max-entries': '0' }, /max-entries/),
    C('pull', 'pull: max-entries many', { output: 'o', 'max-entries': 'many' }, /max-entries/),
    C(
      'pull',
      'pull: max-size too small for the artifact',
      { output: 'o', ref: 'base', 'max-size': '10' },
      /max-size|limit/,
    ),
    // list
    C('list', 'list: filter-semver bad', { 'filter-semver': '>>nope<<' }, /filter-semver/),
    C('list', 'list: filter-regex bad', { 'filter-regex': '(' }, /filter-regex/),
    // credentials
    C('push', 'wrong password', {}, /password|credentials/i),
    C('pull', 'pull: wrong password', { output: 'o', ref: 'base' }, /password|credentials/i),
    C('list', 'list: wrong password', {}, /password|credentials/i),
  ];

  const fill = (v: string) => v.replace(/REPO/g, repo).replace(/REG/g, registry.host);

  describe('cases', { concurrency: 4 }, () => {
    for (const c of cases) {
      test(`${c.entry}: ${c.name}`, async () => {
        const wrongPassword = /wrong password/.test(c.name);
        const inputs: Record<string, string> = {
          repository: repo,
          ...(wrongPassword ? auth() : realAuth()),
          ...(c.entry === 'push' || c.entry === 'publish' ? { path: 'deploy' } : {}),
        };
        for (const [k, v] of Object.entries(c.inputs)) {
          if (v === undefined) delete inputs[k];
          else inputs[k] = fill(v);
        }
        const r: RunResult = await runAction(c.entry, {
          inputs,
          event: { ref: 'refs/heads/main' },
          workspace: ws,
          timeoutMs: 90_000,
          ...c.options,
          env: {
            ACTIONS_ID_TOKEN_REQUEST_URL: undefined,
            ACTIONS_ID_TOKEN_REQUEST_TOKEN: undefined,
            ...Object.fromEntries(
              Object.entries(c.options?.env ?? {}).map(([k, v]) => [k, v?.replace('WS', ws)]),
            ),
          },
        });
        const all = r.stdout + r.stderr;
        assert.equal(r.exitCode, 1, `expected failure:\n${all}`);
        assert.equal(r.errors.length, 1, `one error line expected:\n${r.stdout}`);
        const line = r.errors[0] ?? '';
        assert.match(line, c.expect);
        assert.doesNotMatch(line, /unexpected error/);
        assert.doesNotMatch(all, /\n\s+at .*:\d+:\d+\)?/, 'no stack trace');
        const visible = all.replace(/::add-mask::.*\n/g, '');
        for (const secret of [SECRET, KEY_PASSWORD, registry.password ?? '\0']) {
          assert.ok(!visible.includes(secret), 'a secret was printed');
        }
      });
    }
  });

  test(`registry unchanged and nothing written (${cases.length} cases)`, async () => {
    assert.ok(cases.length >= 80);
    const now = await Promise.all(clients.map((c) => c.listTags().catch(() => [])));
    assert.deepEqual(now, before_);
    assert.deepEqual(tree(ws), wsTree);
    assert.deepEqual(tree(outside), ['root.json', 'secret.txt', 'sub', 'sub/x.yaml']);
    assert.equal(readFileSync(join(outside, 'secret.txt'), 'utf8'), 'outside secret');
    assert.deepEqual(readdirSync(top).sort(), ['outside', 'ws']);
  });
});
