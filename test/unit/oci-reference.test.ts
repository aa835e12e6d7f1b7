import assert from 'node:assert/strict';
import { test } from 'node:test';
import { failureInput, failureMessage } from '../../src/github/errors.js';
import { OciError } from '../../src/oci/errors.js';
import {
  formatReference,
  isLoopback,
  parseDigest,
  parseReference,
  parseRepository,
  parseTag,
} from '../../src/oci/reference.js';

const H = 'a'.repeat(64);

test('parseRepository: good inputs and their normal form', () => {
  const cases: Array<[string, string, string]> = [
    ['ghcr.io/org/app', 'ghcr.io', 'org/app'],
    ['oci://ghcr.io/org/app', 'ghcr.io', 'org/app'],
    ['  oci://ghcr.io/org/team/app  ', 'ghcr.io', 'org/team/app'],
    ['nginx', 'index.docker.io', 'library/nginx'],
    ['docker.io/nginx', 'index.docker.io', 'library/nginx'],
    ['index.docker.io/nginx', 'index.docker.io', 'library/nginx'],
    ['registry-1.docker.io/org/app', 'index.docker.io', 'org/app'],
    ['org/app', 'index.docker.io', 'org/app'],
    ['docker.io/org/app', 'index.docker.io', 'org/app'],
    ['localhost/app', 'localhost', 'app'],
    ['localhost:5000/app', 'localhost:5000', 'app'],
    ['127.0.0.1:5000/a/b', '127.0.0.1:5000', 'a/b'],
    ['[::1]:5000/a', '[::1]:5000', 'a'],
    [
      'my-registry.example.com:443/a_b/c__d/e-f/g.h',
      'my-registry.example.com:443',
      'a_b/c__d/e-f/g.h',
    ],
    ['GHCR.IO/org/app', 'ghcr.io', 'org/app'],
    [
      '123456789012.dkr.ecr.eu-west-1.amazonaws.com/app',
      '123456789012.dkr.ecr.eu-west-1.amazonaws.com',
      'app',
    ],
  ];
  for (const [input, registry, path] of cases) {
    assert.deepEqual(
      parseRepository(input),
      { registry, path, name: `${registry}/${path}` },
      input,
    );
  }
});

test('parseRepository: bad inputs and their exact messages', () => {
  const cases: Array<[string, string]> = [
    ['', 'repository is empty: give e.g. ghcr.io/org/name'],
    ['oci://', 'repository is empty: give e.g. ghcr.io/org/name'],
    [
      'ghcr.io/org/app:latest',
      'repository "ghcr.io/org/app:latest" must not include a tag: give the repository only (e.g. ghcr.io/org/name) and the tags in the tags input',
    ],
    [
      `ghcr.io/org/app@sha256:${H}`,
      `repository "ghcr.io/org/app@sha256:${H}" must not include a digest: give the repository only, e.g. ghcr.io/org/name`,
    ],
    ['ghcr.io/Org/App', 'repository "ghcr.io/Org/App" must be lowercase: use ghcr.io/org/app'],
    ['MyOrg/app', 'repository "MyOrg/app" must be lowercase: use myorg/app'],
    [
      'ghcr.io//app',
      'repository "ghcr.io//app" has an empty path component: remove the extra \'/\' (e.g. ghcr.io/org/name)',
    ],
    [
      'ghcr.io/org/app/',
      'repository "ghcr.io/org/app/" has an empty path component: remove the extra \'/\' (e.g. ghcr.io/org/name)',
    ],
    [
      'ghcr.io/org/a--b_',
      "repository \"ghcr.io/org/a--b_\" has an invalid path component \"a--b_\": use lowercase letters, digits and single separators '.', '_', '__' or '-' between them",
    ],
    [
      'ghcr.io/org/a b',
      "repository \"ghcr.io/org/a b\" has an invalid path component \"a b\": use lowercase letters, digits and single separators '.', '_', '__' or '-' between them",
    ],
    [
      'https://ghcr.io/org/app',
      'repository "https://ghcr.io/org/app" must not start with https://: give registry/path, optionally with oci://',
    ],
    [
      'gh_cr.io/app',
      'repository "gh_cr.io/app" has an invalid registry "gh_cr.io": use a host name with optional :port, e.g. ghcr.io or localhost:5000',
    ],
    [
      'localhost:99999/app',
      'repository "localhost:99999/app" has an invalid registry "localhost:99999": use a host name with optional :port, e.g. ghcr.io or localhost:5000',
    ],
  ];
  for (const [input, message] of cases) {
    assert.throws(
      () => parseRepository(input, { input: 'repository' }),
      (err: unknown) => {
        assert.ok(err instanceof OciError && err.code === 'REFERENCE_INVALID', input);
        assert.equal(failureMessage(err), message, input);
        assert.equal(failureInput(err), 'repository');
        // The domain message names no input (the edge adds it).
        assert.doesNotMatch(err.message, /^repository|tags input/, input);
        return true;
      },
    );
  }
  assert.throws(
    () => parseRepository(`ghcr.io/${'a'.repeat(250)}`),
    (e: unknown) => /longer than 255/.test(failureMessage(e) ?? ''),
  );
});

test('parseRepository names the input it was given', () => {
  assert.throws(
    () => parseRepository('ghcr.io/org/app:v1', { input: 'copy-to' }),
    (err: unknown) =>
      failureInput(err) === 'copy-to' && /^copy-to "/.test(failureMessage(err) ?? ''),
  );
});

test('parseReference: tags, digests and both', () => {
  assert.deepEqual(parseReference('ghcr.io/org/app:v1.2.3'), {
    repository: { registry: 'ghcr.io', path: 'org/app', name: 'ghcr.io/org/app' },
    tag: 'v1.2.3',
  });
  const byDigest = parseReference(`oci://localhost:5000/app@sha256:${H}`);
  assert.equal(byDigest.repository.registry, 'localhost:5000');
  assert.equal(byDigest.digest, `sha256:${H}`);
  assert.equal(byDigest.tag, undefined);
  const both = parseReference(`nginx:1.27@sha512:${'b'.repeat(128)}`);
  assert.equal(both.repository.name, 'index.docker.io/library/nginx');
  assert.equal(both.tag, '1.27');
  assert.equal(both.digest, `sha512:${'b'.repeat(128)}`);
  assert.equal(
    formatReference(both),
    `index.docker.io/library/nginx:1.27@sha512:${'b'.repeat(128)}`,
  );
  const bare = parseReference('ghcr.io/org/app');
  assert.equal(bare.tag, undefined);
  assert.equal(bare.digest, undefined);
  assert.equal(parseReference(`a:${'x'.repeat(128)}`).tag, 'x'.repeat(128));
  assert.equal(parseReference('localhost:5000/app:_x').tag, '_x');
});

test('parseReference: bad tags and digests', () => {
  const bad = [
    'ghcr.io/org/app:.hidden',
    'ghcr.io/org/app:-dash',
    `ghcr.io/org/app:${'x'.repeat(129)}`,
    'ghcr.io/org/app:a/b',
    'ghcr.io/org/app:',
    'ghcr.io/org/app@sha256:abc',
    `ghcr.io/org/app@sha256:${'A'.repeat(64)}`,
    `ghcr.io/org/app@md5:${H}`,
    `ghcr.io/org/app@sha512:${H}`,
    'ghcr.io/Org/app:v1',
  ];
  for (const input of bad) {
    assert.throws(() => parseReference(input), OciError, input);
  }
  const line = (fn: () => unknown) => {
    try {
      fn();
    } catch (err) {
      return failureMessage(err);
    }
    return undefined;
  };
  assert.match(
    line(() => parseReference('ghcr.io/org/app@sha256:abc', { input: 'ref' })) ?? '',
    /^ref "ghcr\.io\/org\/app@sha256:abc" has an invalid digest: expected sha256:<64 lowercase hex> or sha512:<128 lowercase hex>$/,
  );
  assert.match(line(() => parseReference('ghcr.io/org/app:-x')) ?? '', /has an invalid tag "-x"/);
});

test('parseDigest and parseTag', () => {
  assert.deepEqual(parseDigest(`sha256:${H}`), {
    algorithm: 'sha256',
    hex: H,
    value: `sha256:${H}`,
  });
  // Without a name from the caller, the line says what the value is and names no input.
  assert.throws(
    () => parseDigest('sha256:xyz'),
    (e: unknown) =>
      failureInput(e) === undefined &&
      /^digest "sha256:xyz" has an invalid digest/.test(failureMessage(e) ?? ''),
  );
  assert.equal(parseTag('v1.0.0-rc.1'), 'v1.0.0-rc.1');
  assert.throws(
    () => parseTag('no spaces', { input: 'tags' }),
    (e: unknown) =>
      failureInput(e) === 'tags' &&
      failureMessage(e) ===
        `tags: invalid tag "no spaces": tags are up to 128 letters, digits, '_', '.' or '-', not starting with '.' or '-'`,
  );
});

test('isLoopback', () => {
  for (const r of [
    'localhost',
    'localhost:5000',
    'kind.localhost:80',
    '127.0.0.1',
    '127.1.2.3:5000',
    '[::1]:5000',
    '::1',
  ]) {
    assert.equal(isLoopback(r), true, r);
  }
  for (const r of [
    'ghcr.io',
    '10.0.0.1:5000',
    '128.0.0.1',
    '127.0.0.256',
    'localhost.example.com',
    '[::2]:5000',
  ]) {
    assert.equal(isLoopback(r), false, r);
  }
});
