// The edge's wording of registry failures (src/github/registry-errors.ts) and the `timeout` input.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseDuration } from '../../src/github/inputs.js';
import { registryFailureMessage } from '../../src/github/registry-errors.js';
import { RegistryError, RegistryNetworkError } from '../../src/oci/errors.js';
import { UserError } from '../../src/util/errors.js';

const base = { registry: 'r.example:5000', operation: 'GET manifest latest', attempts: 5 };

test('a reachable registry that keeps resetting is not called unreachable', () => {
  const m = registryFailureMessage(
    new RegistryNetworkError({
      ...base,
      failure: 'reset',
      reached: true,
      exhausted: true,
      detail: 'ECONNRESET',
    }),
  );
  assert.equal(
    m,
    "registry r.example:5000: GET manifest latest: connection reset (ECONNRESET), after 5 attempts (retry limit reached): the registry is reachable but failing; re-run the job, and check the registry's status if it keeps happening",
  );
  assert.doesNotMatch(m ?? '', /cannot reach|host and port/);
});

test('never reached: host and port; stall names the idle limit; deadline names the input', () => {
  assert.match(
    registryFailureMessage(
      new RegistryNetworkError({
        ...base,
        failure: 'refused',
        reached: false,
        detail: 'ECONNREFUSED',
      }),
    ) ?? '',
    /^cannot reach registry r\.example:5000 \(ECONNREFUSED\) for GET manifest latest: check the registry host and port in repository/,
  );
  assert.match(
    registryFailureMessage(
      new RegistryNetworkError({
        ...base,
        failure: 'stalled',
        reached: true,
        limitMs: 6000,
        detail: 'UND_ERR_BODY_TIMEOUT',
      }),
    ) ?? '',
    /^registry r\.example:5000: GET manifest latest: no data for 6 s \(UND_ERR_BODY_TIMEOUT\), after 5 attempts: .*raise timeout/,
  );
  assert.match(
    registryFailureMessage(
      new RegistryNetworkError({
        ...base,
        attempts: 2,
        failure: 'deadline',
        reached: true,
        limitMs: 600_000,
      }),
    ) ?? '',
    /^registry r\.example:5000: GET manifest latest: not done within the deadline of 600 s, after 2 attempts: raise the timeout input/,
  );
});

test('a registry answer names the registry once, with a fix; other errors are not ours to word', () => {
  const e = new RegistryError('upload blob sha256:ab: registry answered 500', 500, undefined, {
    registry: 'r.example:5000',
    operation: 'upload blob sha256:ab',
  });
  assert.match(
    registryFailureMessage(e) ?? '',
    /^registry r\.example:5000: upload blob sha256:ab: registry answered 500: the registry failed; re-run/,
  );
  assert.equal(registryFailureMessage(new UserError('x', 'tags')), undefined);
  assert.equal(registryFailureMessage(new TypeError('bug')), undefined);
});

test('timeout durations', () => {
  assert.equal(parseDuration('10m'), 600_000);
  assert.equal(parseDuration('1h30m'), 5_400_000);
  assert.equal(parseDuration('90'), 90_000);
  assert.equal(parseDuration('1500ms'), 1500);
  for (const bad of ['', 'ten', '10x', '0s', '-5m', '500ms'])
    assert.throws(
      () => parseDuration(bad),
      (e: unknown) =>
        e instanceof UserError && e.input === 'timeout' && /use a value like 90s/.test(e.message),
    );
});

test('a failed tag set: the worded cause, then exactly which tags moved', async () => {
  const { TagSetError } = await import('../../src/pipeline/tags.js');
  const cause = new RegistryNetworkError({
    ...base,
    operation: 'PUT manifest latest',
    failure: 'status',
    status: 503,
    reached: true,
    exhausted: true,
  });
  const e = new TagSetError(
    'sha256:new',
    'latest',
    ['run-7'],
    [{ tag: 'stable', to: 'sha256:old' }],
    [{ tag: 'prod', from: 'sha256:old' }],
    cause,
  );
  assert.equal(
    registryFailureMessage(e),
    "tag latest was not written: registry r.example:5000: PUT manifest latest: answered 503, after 5 attempts (retry limit reached): the registry is reachable but failing; re-run the job, and check the registry's status if it keeps happening; moved and NOT restored: prod (was sha256:old); moved, then restored: stable; new tags written: run-7",
  );
  // A new tag whose every write failed, but which the registry stored (it points at the digest).
  const stored = new TagSetError('sha256:new', 'run-7', ['run-7'], [], [], cause);
  assert.match(
    registryFailureMessage(stored) ?? '',
    /^tag run-7 was stored, but the registry never confirmed it: registry r\.example:5000: .*; new tags written: run-7$/,
  );
});
