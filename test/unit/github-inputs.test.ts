import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createInputs, parsePairs, splitList } from '../../src/github/inputs.js';
import { UserError } from '../../src/util/errors.js';

describe('inputs', () => {
  const inputs = (values: Record<string, string>) => createInputs((n) => values[n] ?? '');

  test('lists split on newlines and commas, skip blanks and comments', () => {
    assert.deepEqual(splitList('latest\n  v1, v1.2 \n\n# note\nstable,'), [
      'latest',
      'v1',
      'v1.2',
      'stable',
    ]);
  });

  test('pairs keep = inside values and reject lines without a key', () => {
    assert.deepEqual(parsePairs('annotations', 'a=b=c\n\n org.x = y \nempty='), {
      a: 'b=c',
      'org.x': 'y',
      empty: '',
    });
    assert.throws(
      () => parsePairs('annotations', '=oops'),
      (e: unknown) => e instanceof UserError && e.input === 'annotations',
    );
    assert.throws(() => parsePairs('annotations', 'novalue'), /key=value/);
  });

  test('booleans are strict', () => {
    assert.equal(inputs({ sign: 'TRUE' }).boolean('sign', false), true);
    assert.equal(inputs({}).boolean('sign', true), true);
    assert.throws(
      () => inputs({ sign: 'yes' }).boolean('sign', true),
      /sign must be true or false/,
    );
  });

  test('choices name the allowed values', () => {
    const i = inputs({ 'if-exists': 'Fail' });
    assert.equal(
      i.choice('if-exists', ['overwrite', 'fail', 'skip'] as const, 'overwrite'),
      'fail',
    );
    assert.throws(
      () =>
        inputs({ 'if-exists': 'move' }).choice(
          'if-exists',
          ['overwrite', 'fail', 'skip'] as const,
          'overwrite',
        ),
      /one of overwrite, fail, skip/,
    );
  });

  test('required inputs say which one is missing', () => {
    assert.throws(
      () => inputs({}).required('repository'),
      (e: unknown) => e instanceof UserError && e.input === 'repository',
    );
  });
});

test('sizes with and without units', async () => {
  const { parseSize } = await import('../../src/github/inputs.js');
  assert.equal(parseSize('1048576'), 1048576);
  assert.equal(parseSize('1GiB'), 1024 ** 3);
  assert.equal(parseSize('500 MB'), 500e6);
  assert.throws(
    () => parseSize('lots'),
    (e: unknown) => e instanceof UserError && e.input === 'max-size',
  );
});
