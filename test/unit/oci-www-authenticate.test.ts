import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseWwwAuthenticate } from '../../src/oci/www-authenticate.js';

test('Bearer with realm, service and scope (the Docker Hub form)', () => {
  assert.deepEqual(
    parseWwwAuthenticate(
      'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/nginx:pull"',
    ),
    [
      {
        scheme: 'bearer',
        params: {
          realm: 'https://auth.docker.io/token',
          service: 'registry.docker.io',
          scope: 'repository:library/nginx:pull',
        },
      },
    ],
  );
});

test('quoted values with commas, spaces and escapes; an error param', () => {
  const [c] = parseWwwAuthenticate(
    'Bearer realm="https://ghcr.io/token", service="ghcr.io", scope="repository:a/b:pull,push repository:c/d:pull", error="insufficient_scope", desc="say \\"hi\\""',
  );
  assert.equal(c?.params.scope, 'repository:a/b:pull,push repository:c/d:pull');
  assert.equal(c?.params.error, 'insufficient_scope');
  assert.equal(c?.params.desc, 'say "hi"');
  assert.equal(c?.params.service, 'ghcr.io');
});

test('Basic, case-insensitive scheme and param names, unquoted values', () => {
  assert.deepEqual(parseWwwAuthenticate('BASIC Realm=test-registry'), [
    { scheme: 'basic', params: { realm: 'test-registry' } },
  ]);
  assert.deepEqual(parseWwwAuthenticate('Basic'), [{ scheme: 'basic', params: {} }]);
});

test('several challenges in one header and across headers', () => {
  const one = parseWwwAuthenticate(
    'Basic realm="a, b", Bearer realm="https://t/token",service="s"',
  );
  assert.deepEqual(
    one.map((c) => c.scheme),
    ['basic', 'bearer'],
  );
  assert.equal(one[0]?.params.realm, 'a, b');
  assert.equal(one[1]?.params.service, 's');
  const many = parseWwwAuthenticate(['Basic realm="x"', 'Bearer realm="y"']);
  assert.deepEqual(
    many.map((c) => [c.scheme, c.params.realm]),
    [
      ['basic', 'x'],
      ['bearer', 'y'],
    ],
  );
});

test('nothing, garbage and unterminated quotes do not throw', () => {
  assert.deepEqual(parseWwwAuthenticate(undefined), []);
  assert.deepEqual(parseWwwAuthenticate(''), []);
  assert.deepEqual(parseWwwAuthenticate('=,,'), []);
  assert.deepEqual(parseWwwAuthenticate('Bearer realm="https://t'), [
    { scheme: 'bearer', params: { realm: 'https://t' } },
  ]);
});
