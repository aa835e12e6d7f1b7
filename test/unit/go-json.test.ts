// The one Go-compatible JSON encoder (src/util/go-json.ts), used for Flux manifests
// (src/artifact) and cosign payloads and manifests (src/signing). Expected bytes are what Go's
// encoding/json.Marshal writes for the same values.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { goJSON, sortedMap } from '../../src/util/go-json.js';

test('Go JSON string escaping: HTML characters, U+2028/9, controls, lone surrogates', () => {
  assert.equal(goJSON('a<b>&c'), '"a\\u003cb\\u003e\\u0026c"');
  assert.equal(goJSON('\u2028\u2029'), '"\\u2028\\u2029"');
  assert.equal(goJSON('"\\'), '"\\"\\\\"');
  assert.equal(goJSON('\b\f\n\r\t'), '"\\b\\f\\n\\r\\t"');
  assert.equal(goJSON('\u0000\u0001\u001f'), '"\\u0000\\u0001\\u001f"');
  assert.equal(goJSON('\u007f'), '"\u007f"'); // DEL is not escaped
  assert.equal(goJSON('ünï 😀 /'), '"ünï 😀 /"'); // no \/ and no \u for other runes
  // A lone surrogate cannot come from UTF-8 input; it is encoded as U+FFFD, like Buffer.from.
  assert.equal(goJSON('x\ud800y'), '"x\ufffdy"');
  // Everything else round-trips through a standard JSON parser.
  for (const s of ['', 'plain', 'a=b=c', 'https://x/y?z=1&w=<2>', '\u2028']) {
    assert.equal(JSON.parse(goJSON(s)), s);
  }
});

test('Go JSON documents: compact, field order kept, maps sorted by bytes, escapes in keys and nested values', () => {
  const value = {
    critical: { type: 'cosign <sig>', n: 2, ok: true, none: null },
    optional: sortedMap({ é: '1', z: '&', A: 'x\ud800' }),
    list: ['\u2029', 1.5],
  };
  assert.equal(
    goJSON(value),
    '{"critical":{"type":"cosign \\u003csig\\u003e","n":2,"ok":true,"none":null},' +
      '"optional":{"A":"x\ufffd","z":"\\u0026","é":"1"},"list":["\\u2029",1.5]}',
  );
  assert.deepEqual(Object.keys(sortedMap({ b: '', a: '', B: '', ä: '' })), ['B', 'a', 'b', 'ä']);
});
