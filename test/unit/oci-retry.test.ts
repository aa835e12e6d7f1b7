import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isRetryableNetworkError } from '../../src/oci/retry.js';
import {
  backoffDelay,
  parseRetryAfter,
  RETRY_STATUSES,
  retryDelay,
} from '../../src/util/backoff.js';

test('retryable statuses: 408, 429 and 5xx gateways; never 401/403/404', () => {
  for (const s of [408, 429, 500, 502, 503, 504]) assert.ok(RETRY_STATUSES.has(s), String(s));
  for (const s of [400, 401, 403, 404, 405, 412, 501]) assert.ok(!RETRY_STATUSES.has(s), String(s));
});

test('full-jitter exponential backoff, capped', () => {
  const opts = { baseDelayMs: 100, maxDelayMs: 1000, random: () => 0.999999 };
  assert.deepEqual(
    [1, 2, 3, 4, 5, 6].map((n) => backoffDelay(n, opts)),
    [99, 199, 399, 799, 999, 999],
  );
  assert.equal(backoffDelay(3, { ...opts, random: () => 0 }), 0);
  assert.equal(backoffDelay(2, { ...opts, random: () => 0.5 }), 100);
});

test('equal jitter waits at least half the ceiling; Retry-After wins over backoff', () => {
  const opts = { baseDelayMs: 100, maxDelayMs: 1000, jitter: 'equal' as const };
  assert.deepEqual(
    [1, 2, 5].map((n) => backoffDelay(n, { ...opts, random: () => 0 })),
    [50, 100, 500],
  );
  assert.equal(backoffDelay(6, { ...opts, random: () => 0.999999 }), 999);
  assert.equal(retryDelay(1, '2', { random: () => 0.5 }), 2000);
  assert.equal(retryDelay(1, '3600', { maxRetryAfterMs: 5000 }), 5000);
  assert.equal(retryDelay(3, null, { baseDelayMs: 100, random: () => 0.5 }), 200);
  assert.equal(retryDelay(3, 'soon', { baseDelayMs: 100, random: () => 0.5 }), 200);
});

test('Retry-After as seconds or HTTP date, capped', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  assert.equal(parseRetryAfter('3', {}, now), 3000);
  assert.equal(parseRetryAfter('0', {}, now), 0);
  assert.equal(parseRetryAfter('Thu, 01 Jan 2026 00:00:05 GMT', {}, now), 5000);
  assert.equal(parseRetryAfter('Wed, 31 Dec 2025 23:59:00 GMT', {}, now), 0);
  assert.equal(parseRetryAfter('3600', {}, now), 60_000);
  assert.equal(parseRetryAfter('10', { maxRetryAfterMs: 2000 }, now), 2000);
  assert.equal(parseRetryAfter('soon', {}, now), undefined);
  assert.equal(parseRetryAfter(undefined, {}, now), undefined);
});

test('network errors: connect failures always, mid-flight ones only when idempotent', () => {
  const err = (code: string) => Object.assign(new Error(code), { code });
  const wrapped = (code: string) => new TypeError('fetch failed', { cause: err(code) });
  assert.equal(isRetryableNetworkError(err('ECONNREFUSED'), false), true);
  assert.equal(isRetryableNetworkError(err('UND_ERR_CONNECT_TIMEOUT'), false), true);
  assert.equal(isRetryableNetworkError(err('ECONNRESET'), true), true);
  assert.equal(isRetryableNetworkError(wrapped('ECONNRESET'), true), true);
  assert.equal(isRetryableNetworkError(err('ECONNRESET'), false), false);
  assert.equal(isRetryableNetworkError(err('ETIMEDOUT'), true), true);
  assert.equal(isRetryableNetworkError(err('ENOTFOUND'), true), false);
  assert.equal(isRetryableNetworkError(new Error('boom'), true), false);
});
