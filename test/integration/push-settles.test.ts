// pushByDigest (src/pipeline/push.ts) reports a failed blob upload only once the other upload has
// settled too: before, the config's failure was thrown while the layer's request was still out, and
// that request (with its retries) outlived the step — a step against an unreachable registry then
// did not exit by itself (test/e2e/bad-inputs.test.ts, seen in CI).
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { RegistryClient } from '../../src/oci/client.js';
import { parseRepository } from '../../src/oci/reference.js';
import { pushByDigest } from '../../src/pipeline/push.js';

test('a failed blob upload is reported once the other upload has settled', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'push-settles-'));
  const bytes = Buffer.from('a layer');
  const layer = {
    file: join(dir, 'layer.tar.gz'),
    size: bytes.length,
    digest: `sha256:${createHash('sha256').update(bytes).digest('hex')}`,
  };
  writeFileSync(layer.file, bytes);
  let layerAnsweredAt = 0;
  // Everything fails at once with a 400 (not retried), except the layer's HEAD, answered late.
  const server = createServer((req, res) => {
    if (req.url === '/v2/') return res.writeHead(200).end();
    if (req.method === 'HEAD' && req.url?.endsWith(layer.digest)) {
      setTimeout(() => {
        layerAnsweredAt = performance.now();
        res.writeHead(400).end();
      }, 600);
      return;
    }
    req.resume();
    res.writeHead(400, { 'content-type': 'application/json' });
    res.end('{"errors":[{"code":"UNSUPPORTED","message":"no"}]}');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const { port } = server.address() as AddressInfo;
    const client = new RegistryClient(parseRepository(`127.0.0.1:${port}/org/app`), {
      ignoreDockerConfig: true,
    });
    const started = performance.now();
    await assert.rejects(pushByDigest(client, layer, {}));
    const failedAt = performance.now();
    assert.ok(layerAnsweredAt > 0, 'the failure came before the layer request was answered');
    assert.ok(failedAt >= layerAnsweredAt, 'the failure came before the layer request settled');
    assert.ok(failedAt - started >= 550);
  } finally {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    rmSync(dir, { recursive: true, force: true });
  }
});
