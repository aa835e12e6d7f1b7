// flux-version and diff-rule inputs, and the Flux 2.10 config blob's `created`.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  configBlob,
  fluxFormat,
  goTimeJSON,
  isRFC3339,
  parseFluxLine,
} from '../../src/artifact/index.js';
import { readDiffRule, readFluxFormat } from '../../src/github/artifact-format.js';
import { createInputs } from '../../src/github/inputs.js';
import { UserError } from '../../src/util/errors.js';

const inputs = (values: Record<string, string>) => createInputs((n) => values[n] ?? '');

describe('flux-version', () => {
  test('defaults to 2.10 (Go 1.27 gzip, config with created)', () => {
    const f = readFluxFormat(inputs({}));
    assert.deepEqual(f, { line: '2.10', gzip: 'go1.27', configCreated: true });
  });
  test('accepts lines and patch versions, with or without v', () => {
    for (const v of ['2.9', 'v2.9', '2.9.0', '2.9.5', ' 2.9 '])
      assert.equal(parseFluxLine(v), '2.9', v);
    for (const v of ['2.10', 'v2.10.1', '2.10.0']) assert.equal(parseFluxLine(v), '2.10', v);
    assert.equal(readFluxFormat(inputs({ 'flux-version': 'v2.9.4' })).gzip, 'go1.26');
  });
  test('an unknown line is one line naming the input and the accepted values', () => {
    for (const v of ['2.8', '2.1', '3.0', 'latest', '2', '2.9.x']) {
      assert.throws(
        () => readFluxFormat(inputs({ 'flux-version': v })),
        (err: unknown) =>
          err instanceof UserError &&
          !err.message.includes('\n') &&
          err.message.includes('flux-version') &&
          err.message.includes('2.10, 2.9'),
        v,
      );
    }
  });
  test('diff-rule: tar-content by default, layer-digest on request, else an error', () => {
    assert.equal(readDiffRule(inputs({})), 'tar-content');
    assert.equal(readDiffRule(inputs({ 'diff-rule': 'layer-digest' })), 'layer-digest');
    assert.throws(() => readDiffRule(inputs({ 'diff-rule': 'bytes' })), /diff-rule/);
  });
});

describe('Flux 2.10 config: created as Go time.Time marshals it', () => {
  test('offsets, fractions and zero offsets', () => {
    const cases: [string, string][] = [
      ['2026-01-02T03:04:05Z', '2026-01-02T03:04:05Z'],
      ['2026-01-02T03:04:05.120+02:00', '2026-01-02T03:04:05.12+02:00'],
      ['2026-01-02T03:04:05.000Z', '2026-01-02T03:04:05Z'],
      ['2026-01-02T03:04:05,5Z', '2026-01-02T03:04:05.5Z'],
      ['2026-01-02T03:04:05.1234567891234+00:00', '2026-01-02T03:04:05.123456789Z'],
      ['2026-01-02T03:04:05-00:00', '2026-01-02T03:04:05Z'],
      ['1970-01-01T01:00:00+01:00', '1970-01-01T01:00:00+01:00'],
    ];
    for (const [input, want] of cases) assert.equal(goTimeJSON(input), want, input);
    assert.equal(isRFC3339('2026-01-02T03:04:05,5Z'), true);
    assert.throws(() => goTimeJSON('2026-02-30T00:00:00Z'), RangeError);
  });
  test('2.9 stays the constant 115-byte blob; 2.10 carries created', () => {
    assert.equal(configBlob(fluxFormat('2.9'), '2026-01-02T03:04:05Z').bytes.length, 115);
    assert.equal(
      configBlob(fluxFormat('2.10'), '2026-01-02T03:04:05.5+01:00').bytes.toString(),
      '{"architecture":"","created":"2026-01-02T03:04:05.5+01:00","os":"","rootfs":{"type":"layers","diff_ids":null},"config":{}}',
    );
  });
});
