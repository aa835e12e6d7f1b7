// The freshness rule of a shared-tag PUT (src/oci/freshness.ts): a view of the tag may be written
// over for freshMs plus twice the quickest round trip, counted from when its request was sent;
// with fewer than two round trips seen, freshMs alone.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Freshness } from '../../src/oci/freshness.js';

test('freshness: freshMs alone until two round trips are seen, then plus twice the quickest', () => {
  let t = 0;
  const f = new Freshness(20, () => t);
  t = 20;
  assert.equal(f.fresh(0), true, 'exactly freshMs after the send is still fresh');
  t = 21;
  assert.equal(f.fresh(0), false);
  // One sample of 15 ms: a slow network cannot be told from a held-up process yet.
  t = 115;
  f.sample(100);
  t = 121;
  assert.equal(f.fresh(100), false, 'one sample adds nothing');
  // A second, quicker one (5 ms): the slack is 2 × 5 ms, not 2 × 15 ms.
  t = 205;
  f.sample(200);
  t = 230;
  assert.equal(f.fresh(200), true, '20 + 2 × 5 = 30 ms');
  t = 231;
  assert.equal(f.fresh(200), false);
  // A slower round trip later does not widen it.
  t = 350;
  f.sample(300);
  t = 331;
  assert.equal(f.fresh(300), false);
});

test('freshness: the registry round trip known from earlier answers counts from the first read, the quicker of the two', () => {
  let t = 0;
  let known: number | undefined;
  const f = new Freshness(
    20,
    () => t,
    () => known,
  );
  t = 21;
  assert.equal(f.fresh(0), false, 'nothing known: freshMs alone');
  known = 40;
  // A remote registry: the first read took 45 ms; 20 + 2 × 40 = 100 ms from its send.
  t = 145;
  f.sample(100);
  t = 200;
  assert.equal(f.fresh(100), true);
  t = 201;
  assert.equal(f.fresh(100), false);
  // This update's own round trips, once two, count when quicker (a stricter rule, never looser).
  t = 310;
  f.sample(300);
  t = 420;
  assert.equal(f.fresh(400), true, '20 + 2 × 10 = 40 ms');
  t = 441;
  assert.equal(f.fresh(400), false);
  known = 5;
  assert.equal(f.fresh(411), true, '20 + 2 × 5 = 30 ms');
  assert.equal(f.fresh(410), false);
});
