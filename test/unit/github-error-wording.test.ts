// Domain errors are code + data and name no action input; src/github words every code as one
// line naming the input at fault (src/github/errors.ts, registry-, signing-, artifact-errors.ts).
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';
import { ArtifactError, type ArtifactFailure } from '../../src/artifact/errors.js';
import { failureInput, failureMessage } from '../../src/github/errors.js';
import { copyToAuthMessage } from '../../src/github/registry-errors.js';
import { verifyInput, verifyReason } from '../../src/github/signing-errors.js';
import {
  type AuthFailure,
  NotFoundError,
  OciError,
  type OciFailure,
  RegistryAuthError,
} from '../../src/oci/errors.js';
import { parseReference, parseRepository, parseTag } from '../../src/oci/reference.js';
import { SharedTagError } from '../../src/oci/shared-tag-types.js';
import { PipelineError, type PipelineFailure } from '../../src/pipeline/errors.js';
import { SigningError, type SigningFailure } from '../../src/signing/errors.js';
import type { VerifyResult } from '../../src/signing/verify/index.js';

const ROOT = join(import.meta.dirname, '..', '..');

/** Every input any entry point declares (action.yml and <entry>/action.yml). */
function actionInputs(): Set<string> {
  const files = ['action.yml'];
  for (const d of readdirSync(ROOT, { withFileTypes: true }))
    if (d.isDirectory()) {
      try {
        readFileSync(join(ROOT, d.name, 'action.yml'));
        files.push(join(d.name, 'action.yml'));
      } catch {}
    }
  const names = new Set<string>();
  for (const f of files) {
    const doc = parse(readFileSync(join(ROOT, f), 'utf8')) as { inputs?: Record<string, unknown> };
    for (const k of Object.keys(doc.inputs ?? {})) names.add(k);
  }
  return names;
}
const INPUTS = actionInputs();

/** What a domain message must never contain: GitHub advice or a backticked input name. */
function assertDomainMessage(message: string): void {
  assert.doesNotMatch(message, /permissions:|secrets\.|with:|\binput\b/, message);
  for (const m of message.matchAll(/`([a-z0-9-]+)`/g))
    assert.ok(!INPUTS.has(m[1] ?? ''), `names input ${m[1]}: ${message}`);
}

function assertEdgeLine(err: Error, input: string | undefined): string {
  const line = failureMessage(err);
  assert.ok(line, `no wording for ${err.name}`);
  assert.equal(line.includes('\n'), false, line);
  assert.equal(failureInput(err), input, line);
  if (input !== undefined) assert.ok(line.includes(input), `${input} not named: ${line}`);
  return line;
}

const URL = 'https://fulcio.example';
const SIGNING: Array<[SigningFailure, string | undefined]> = [
  [{ code: 'OIDC_TOKEN_UNAVAILABLE' }, undefined],
  [{ code: 'OIDC_TOKEN_UNAVAILABLE', detail: 'HTTP 500' }, undefined],
  [{ code: 'OIDC_TOKEN_INVALID', problem: 'not-jwt' }, undefined],
  [{ code: 'OIDC_TOKEN_INVALID', problem: 'no-subject' }, undefined],
  [{ code: 'FULCIO_UNREACHABLE', url: URL, detail: 'ECONNREFUSED' }, 'fulcio-url'],
  [{ code: 'FULCIO_TOKEN_REJECTED', url: URL, detail: '401' }, undefined],
  [{ code: 'FULCIO_NOT_FOUND', url: URL }, 'fulcio-url'],
  [{ code: 'FULCIO_REFUSED', url: URL, detail: '400' }, 'fulcio-url'],
  [{ code: 'FULCIO_FAILED', url: URL, detail: 'x' }, 'fulcio-url'],
  [{ code: 'FULCIO_NO_CERTIFICATE', url: URL, detachedSct: true }, 'fulcio-url'],
  [{ code: 'FULCIO_NO_CERTIFICATE', url: URL, detachedSct: false }, 'fulcio-url'],
  [{ code: 'REKOR_FAILED', url: 'https://rekor.example', detail: 'x' }, 'rekor-url'],
  [{ code: 'TSA_FAILED', url: 'https://tsa.example', detail: 'x' }, 'tsa-url'],
  [{ code: 'SIGNING_KEY_INVALID', problem: 'not-pem' }, 'cosign-key'],
  [
    { code: 'SIGNING_KEY_INVALID', problem: 'pem-type', detail: 'CERTIFICATE', expected: 'E' },
    'cosign-key',
  ],
  [{ code: 'SIGNING_KEY_INVALID', problem: 'encryption', detail: 'bad kdf' }, 'cosign-key'],
  [{ code: 'SIGNING_KEY_INVALID', problem: 'unreadable' }, 'cosign-key'],
  [{ code: 'SIGNING_KEY_INVALID', problem: 'algorithm', detail: 'dsa' }, 'cosign-key'],
  [{ code: 'SIGNING_KEY_PASSWORD' }, 'cosign-key-password'],
  [{ code: 'PUBLIC_KEY_INVALID', index: 1, count: 2 }, 'public-key'],
  [{ code: 'TRUSTED_ROOT_INVALID', problem: 'json' }, 'trusted-root'],
  [{ code: 'TRUSTED_ROOT_INVALID', problem: 'format', detail: 'x' }, 'trusted-root'],
  [{ code: 'TRUSTED_ROOT_INVALID', problem: 'incomplete' }, 'trusted-root'],
  [
    { code: 'IDENTITY_REGEXP_INVALID', index: 0, field: 'issuer', pattern: '(?=x)', detail: 'x' },
    'match-oidc-identity',
  ],
];

test('every signing code: a domain message without inputs, an edge line naming the input', () => {
  for (const [data, input] of SIGNING) {
    const err = new SigningError(data);
    assert.equal(err.code, data.code);
    assertDomainMessage(err.message);
    assertEdgeLine(err, input);
  }
  assert.match(
    failureMessage(new SigningError({ code: 'OIDC_TOKEN_UNAVAILABLE' })) ?? '',
    /grant the job `permissions: id-token: write`, or sign with a key \(`cosign-key`\)$/,
  );
});

const ARTIFACT: Array<[ArtifactFailure, string]> = [
  [{ code: 'ROOT_MISSING', path: 'deploy' }, 'path'],
  [{ code: 'ROOT_UNREADABLE', path: 'deploy', detail: 'EIO' }, 'path'],
  [{ code: 'ROOT_OUTSIDE_WORKSPACE', path: 'deploy' }, 'path'],
  [{ code: 'ROOT_SYMLINK_DIR', path: 'deploy' }, 'path'],
  [{ code: 'ROOT_NOT_FILE_OR_DIR', path: 'deploy' }, 'path'],
  [{ code: 'ENTRY_UNREADABLE', name: 'a.yaml', what: 'entry' }, 'path'],
  [{ code: 'ENTRY_CHANGED', name: 'a.yaml', change: 'disappeared' }, 'path'],
  [{ code: 'ENTRY_CHANGED', name: 'a.yaml', change: 'size' }, 'path'],
  [{ code: 'ENTRY_CHANGED', name: 'a.yaml', change: 'open', detail: 'EMFILE' }, 'path'],
  [{ code: 'CREATED_INVALID', value: 'yesterday', fromExtra: true }, 'annotations'],
  [{ code: 'CREATED_INVALID', value: 'yesterday', fromExtra: false }, 'created'],
];

test('every artifact code: a domain message without inputs, an edge line naming the input', () => {
  for (const [data, input] of ARTIFACT) {
    const err = new ArtifactError(data);
    assertDomainMessage(err.message);
    assertEdgeLine(err, input);
  }
});

const AUTH: Array<[Omit<AuthFailure, 'registry' | 'repository'>, string, RegExp]> = [
  [{ source: 'inputs', push: true, kind: 'unauthorized' }, 'password', /check username\/password$/],
  [{ source: 'docker-config', push: false, kind: 'unauthorized' }, 'username', /docker login/],
  [{ source: 'github-token', push: false, kind: 'unauthorized' }, 'github-token', /github-token/],
  [{ source: 'anonymous', push: true, kind: 'unauthorized' }, 'username', /needs credentials/],
  [
    { source: 'github-token', push: true, kind: 'denied' },
    'github-token',
    /add `permissions: packages: write` to the job$/,
  ],
  [
    { source: 'github-token', push: false, kind: 'denied' },
    'github-token',
    /add `permissions: packages: read` to the job$/,
  ],
  [{ source: 'inputs', push: true, kind: 'denied' }, 'password', /with push access/],
  [{ source: 'anonymous', push: false, kind: 'denied' }, 'username', /set username\/password/],
];

test('credential failures are data (UNAUTHORIZED / DENIED); the edge names the input and the fix', () => {
  for (const [f, input, fix] of AUTH) {
    const err = new RegistryAuthError({ ...f, registry: 'r.example', repository: 'r.example/a' });
    assert.equal(err.code, f.kind === 'denied' ? 'DENIED' : 'UNAUTHORIZED');
    assert.equal(err.status, f.kind === 'denied' ? 403 : 401);
    assertDomainMessage(err.message);
    assert.doesNotMatch(err.message, /username|password|docker login|github-token/);
    assert.match(assertEdgeLine(err, input), fix);
  }
});

test('copy-to on another registry: how to log in there, only for inputs the step could not use', () => {
  const f = { registry: 'other.example', repository: 'other.example/a', push: true } as const;
  const anon = new RegistryAuthError({ ...f, source: 'anonymous', kind: 'unauthorized' });
  assert.equal(
    copyToAuthMessage(anon, 'other.example', 'ghcr.io'),
    'copy-to: registry other.example needs credentials to push to other.example/a (401); username/password apply to ghcr.io only, so log in to other.example before this step (docker/login-action)',
  );
  assert.equal(copyToAuthMessage(anon, 'third.example', 'ghcr.io'), undefined);
  const token = new RegistryAuthError({ ...f, source: 'github-token', kind: 'denied' });
  assert.equal(copyToAuthMessage(token, 'other.example', 'ghcr.io'), undefined);
  assert.equal(copyToAuthMessage(new Error('x'), 'other.example', 'ghcr.io'), undefined);
});

test('one not-found type for manifests and blobs, worded at the edge', () => {
  const m = new NotFoundError('r.example/a', 'v1');
  assert.equal(m.code, 'MANIFEST_UNKNOWN');
  assert.equal(m.status, 404);
  assertDomainMessage(m.message);
  assert.equal(
    failureMessage(m),
    'r.example/a:v1 not found in the registry: check the repository and the tag or digest',
  );
  const d = `sha256:${'a'.repeat(64)}`;
  assert.match(failureMessage(new NotFoundError('r.example/a', d)) ?? '', /^r\.example\/a@sha256:/);
  const b = new NotFoundError('r.example/a', d, 'blob', { registry: 'r.example' });
  assert.equal(b.code, 'BLOB_UNKNOWN');
  assert.match(failureMessage(b) ?? '', /not found in r\.example\/a: it disappeared/);
});

test('a verify result carries its failure as data; the edge adds the input that changes it', () => {
  const base = { fluxVerified: true, warnings: [] as string[] };
  const copied: VerifyResult = {
    ...base,
    verified: false,
    format: 'cosign-v2',
    rule: 'cosign-v2-sig-copied',
    failure: 'copied-signature',
    reason: 'the only signature that verifies is a .sig copied from another artifact',
  };
  assert.equal(
    verifyReason(copied),
    'the only signature that verifies is a .sig copied from another artifact; set copied-signature: warn to accept it as Flux does',
  );
  assert.equal(verifyInput(copied, true), 'copied-signature');
  const none: VerifyResult = {
    ...base,
    fluxVerified: false,
    verified: false,
    format: 'cosign-v3',
    rule: 'cosign-v3-bundle',
    failure: 'no-match',
    reason: 'no matching attestations: x',
  };
  assert.equal(verifyReason(none), 'no matching attestations: x');
  assert.equal(verifyInput(none, true), 'public-key');
  assert.equal(verifyInput(none, false), 'match-oidc-identity');
});

const OCI: Array<[OciFailure, string | undefined, RegExp]> = [
  [{ code: 'CREDENTIALS_INCOMPLETE', missing: 'password' }, 'password', /set both, or neither/],
  [{ code: 'CREDENTIALS_INCOMPLETE', missing: 'username' }, 'username', /must be given together/],
  [
    { code: 'DOCKER_CONFIG_UNUSABLE', path: '/c.json', problem: 'unreadable', detail: 'EISDIR' },
    undefined,
    /cannot be read \(it is a directory\): fix it, remove it, or set username\/password$/,
  ],
  [
    { code: 'DOCKER_CONFIG_UNUSABLE', path: '/c.json', problem: 'json' },
    undefined,
    /not valid JSON: fix it, remove it, or set username\/password$/,
  ],
  [
    { code: 'DOCKER_CONFIG_UNUSABLE', path: '/c.json', problem: 'auth' },
    undefined,
    /run docker login again, or set username\/password$/,
  ],
  [
    {
      code: 'CREDENTIAL_HELPER_FAILED',
      program: 'docker-credential-x',
      serverUrl: 'h',
      problem: 'missing',
    },
    undefined,
    /not on PATH: install it, or set username\/password$/,
  ],
  [
    {
      code: 'CREDENTIAL_HELPER_FAILED',
      program: 'docker-credential-x',
      serverUrl: 'h',
      problem: 'exit',
      exitCode: 2,
    },
    undefined,
    /\(exit code 2\): check it works with `echo h \| docker-credential-x get`, or set username\/password$/,
  ],
  [
    {
      code: 'CREDENTIAL_HELPER_FAILED',
      program: 'docker-credential-x',
      serverUrl: 'h',
      problem: 'output',
    },
    undefined,
    /not JSON for h: check it works/,
  ],
  [
    { code: 'TOKEN_SERVICE_PLAIN_HTTP', registry: 'r.example', service: 'auth.example' },
    'insecure',
    /use HTTPS, or set insecure: true if that is intended$/,
  ],
  [
    {
      code: 'DELETE_UNSUPPORTED',
      registry: 'r.example',
      repository: 'r.example/a',
      digest: 'sha256:x',
      status: 405,
      ociCode: 'UNSUPPORTED',
    },
    undefined,
    /\(405 UNSUPPORTED\): enable deletes \(distribution: storage\.delete\.enabled: true\) or delete r\.example\/a@sha256:x/,
  ],
  [
    { code: 'SHARED_TAG_UNCONFIRMED', label: 'r/a:sha256-x.sig', detail: 'could not confirm' },
    undefined,
    /^could not confirm$/,
  ],
];

test('every oci code: a domain message without inputs, an edge line naming the input and the fix', () => {
  for (const [data, input, fix] of OCI) {
    const err = new OciError(data);
    assert.equal(err.code, data.code);
    assertDomainMessage(err.message);
    assert.doesNotMatch(err.message, /username\/password|insecure|docker login/, err.message);
    assert.match(assertEdgeLine(err, input), fix);
  }
  const shared = new SharedTagError('could not confirm the signature in r/a:t', 'r/a:t');
  assert.ok(shared instanceof OciError);
  assert.equal(failureMessage(shared), 'could not confirm the signature in r/a:t');
});

test('references: the caller names the input; the domain message does not', () => {
  const cases: Array<[() => unknown, string, RegExp]> = [
    [
      () => parseRepository('ghcr.io/o/a:v1', { input: 'copy-to' }),
      'copy-to',
      /^copy-to "ghcr\.io\/o\/a:v1" must not include a tag: .*tags input$/,
    ],
    [
      () => parseRepository('https://ghcr.io/o/a', { input: 'repository' }),
      'repository',
      /must not start with https:\/\//,
    ],
    [
      () => parseRepository('GHCR.io/O/a', { input: 'repository' }),
      'repository',
      /must be lowercase: use ghcr\.io\/o\/a$/,
    ],
    [
      () => parseReference('ghcr.io/o/a@sha256:1', { input: 'ref' }),
      'ref',
      /^ref .* has an invalid digest/,
    ],
    [
      () => parseTag('-x', { input: 'diff-tag' }),
      'diff-tag',
      /^diff-tag: invalid tag "-x": tags are up to 128/,
    ],
  ];
  for (const [fn, input, line] of cases) {
    assert.throws(fn, (err: unknown) => {
      assert.ok(err instanceof OciError && err.code === 'REFERENCE_INVALID');
      assertDomainMessage(err.message);
      assert.ok(!err.message.startsWith(input) && !err.message.includes(`${input}:`), err.message);
      assert.match(assertEdgeLine(err, input), line);
      return true;
    });
  }
});

const PIPELINE: Array<[PipelineFailure, string, RegExp]> = [
  [
    { code: 'FILTER_INVALID', filter: 'semver', value: '>>1' },
    'filter-semver',
    /use e\.g\. ">=1\.0\.0"/,
  ],
  [
    { code: 'FILTER_INVALID', filter: 'regex', value: '(', detail: 'missing )' },
    'filter-regex',
    /\(missing \)\); write it in Go RE2 syntax/,
  ],
  [
    { code: 'TAGS_EXIST', tags: [{ tag: 'v1', digest: 'sha256:a' }] },
    'tags',
    /v1 \(at sha256:a\); choose other tags or set if-exists: overwrite$/,
  ],
  [
    { code: 'NOT_AN_ARTIFACT', target: 'r/a:v1' },
    'ref',
    /has no layers, so it is not a Flux artifact/,
  ],
];

test('every pipeline code: a flow message without inputs, an edge line naming the input', () => {
  for (const [data, input, fix] of PIPELINE) {
    const err = new PipelineError(data);
    assertDomainMessage(err.message);
    assert.doesNotMatch(err.message, /if-exists|filter-|\bref\b/, err.message);
    assert.match(assertEdgeLine(err, input), fix);
  }
});

test('src/signing, src/artifact, src/oci and src/pipeline hold no GitHub advice and no input names in messages', () => {
  const files = (dir: string): string[] =>
    readdirSync(join(ROOT, dir), { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.ts'))
      .map((f) => join(dir, f));
  const dirs = ['src/signing', 'src/artifact', 'src/oci', 'src/pipeline'];
  // Advice that names an input: `set insecure: true`, `set username/password`, `if-exists: fail`.
  const inputAdvice = new RegExp(
    `\\bset (${[...INPUTS].join('|')})\\b|\\b(${[...INPUTS].filter((i) => i.includes('-')).join('|')}): [a-z]`,
  );
  for (const file of dirs.flatMap(files)) {
    const text = readFileSync(join(ROOT, file), 'utf8');
    // Strings only (comments may explain what the edge does).
    const strings = [...text.matchAll(/(['`])((?:\\.|(?!\1)[^\\\n])*)\1/g)].map((m) => m[2] ?? '');
    for (const s of strings) {
      assert.doesNotMatch(s, /permissions:|secrets\.|\bwith:/, `${file}: ${s}`);
      assert.doesNotMatch(s, /\binputs? '?[a-z-]+'? /, `${file}: ${s}`);
      assert.doesNotMatch(s, inputAdvice, `${file}: ${s}`);
    }
    assert.doesNotMatch(text, /new UserError\(|extends UserError\b/, `${file} throws a UserError`);
  }
});
