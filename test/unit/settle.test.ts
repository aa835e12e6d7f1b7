// allSettled (src/util/settle.ts): a failed step of a signature waits for its siblings.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { allSettled } from '../../src/util/settle.js';

test('allSettled rejects only once every promise has settled, with the first failure in order', async () => {
  let slowDone = false;
  const slow = new Promise<string>((r) =>
    setTimeout(() => {
      slowDone = true;
      r('late');
    }, 50),
  );
  const first = Promise.reject(new Error('first'));
  const second = Promise.reject(new Error('second'));
  await assert.rejects(allSettled([second.then(() => 1), slow, first]), /second/);
  assert.ok(slowDone, 'rejected before a sibling settled');
  first.catch(() => {});
  assert.deepEqual(await allSettled([Promise.resolve(1), 'two', slow]), [1, 'two', 'late']);
});
