// Without a proxy, requests go through node:https (src/oci/http.ts): a server certificate from a
// private CA is trusted exactly when NODE_EXTRA_CA_CERTS names the CA (read by Node at start, so
// each case runs in its own process), connections are kept alive between requests, and an
// untrusted certificate is a `certificate` failure (what the user-facing wording keys on).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { makeCA } from '../harness/test-ca.js';
import { requireTools } from '../harness/tools.js';

const REPO = join(import.meta.dirname, '..', '..');

describe('node:https without a proxy', requireTools('openssl'), () => {
  let dir: string;
  let server: Server;
  let url: string;
  let ca: string;
  let script: string;
  let handshakes = 0;
  let lastHandshakeAt = 0;
  let firstRequestAt: number | undefined;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'direct-tls-'));
    const made = makeCA(dir, ['IP:127.0.0.1']);
    ca = made.ca;
    server = createServer(
      { cert: readFileSync(made.certificate), key: readFileSync(made.key) },
      (req, res) => {
        firstRequestAt ??= performance.now();
        req.resume();
        res.end(`hello ${req.method}`);
      },
    );
    server.on('secureConnection', () => {
      handshakes++;
      lastHandshakeAt = performance.now();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/v2/`;
    script = join(dir, 'client.mts');
    writeFileSync(
      script,
      `import { Dispatcher, httpRequest } from ${JSON.stringify(join(REPO, 'src/oci/http.ts'))};
import { failureOf } from ${JSON.stringify(join(REPO, 'src/oci/failures.ts'))};
const dispatcher = new Dispatcher();
const out = { proxied: dispatcher.proxied, answers: [] as string[], failure: '' };
const mode = process.argv[3] ?? 'serial';
try {
  if (mode === 'serial') {
    for (const method of ['GET', 'POST']) {
      const res = await httpRequest(process.argv[2]!, { method, headers: {}, body: method === 'POST' ? 'x' : undefined, dispatcher, idleTimeoutMs: 5000 });
      out.answers.push(res.status + ' ' + (await res.text()));
    }
  } else {
    // Two connections opened ahead; 'settled': used once their handshakes are done, 'at-once':
    // while they are still in them (a PUT's sendIf must then wait for the handshake).
    dispatcher.preconnect(process.argv[2]!, 2);
    if (mode === 'settled') await new Promise((r) => setTimeout(r, 300));
    const asked: string[] = [];
    const answers = await Promise.all(['PUT', 'POST'].map(async (method) => {
      const res = await httpRequest(process.argv[2]!, { method, headers: {}, body: 'x', dispatcher, idleTimeoutMs: 5000, sendIf: () => { asked.push(method); return true; } });
      return res.status + ' ' + (await res.text());
    }));
    out.answers.push(...answers, 'asked ' + asked.sort().join(' '));
  }
} catch (err) {
  out.failure = failureOf(err);
}
console.log(JSON.stringify(out));
`,
    );
  });

  after(async () => {
    server?.closeAllConnections();
    await new Promise((r) => server?.close(r));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const client = async (extra: Record<string, string>, mode = 'serial') => {
    const env: Record<string, string> = { PATH: process.env.PATH ?? '', ...extra };
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', script, url, mode],
      { cwd: REPO, env, timeout: 30_000 },
    );
    return JSON.parse(stdout) as { proxied: boolean; answers: string[]; failure: string };
  };

  test('with NODE_EXTRA_CA_CERTS: trusted, two requests over one kept-alive connection', async () => {
    handshakes = 0;
    const out = await client({ NODE_EXTRA_CA_CERTS: ca });
    assert.deepEqual(out, {
      proxied: false,
      answers: ['200 hello GET', '200 hello POST'],
      failure: '',
    });
    assert.equal(handshakes, 1, 'the second request reused the first one’s connection');
  });

  test('without it: a certificate failure, nothing answered', async () => {
    const out = await client({});
    assert.deepEqual(out, { proxied: false, answers: [], failure: 'certificate' });
  });

  // Dispatcher.preconnect (publish opens the registry's, Fulcio's and Rekor's connections while
  // the layer is built): the requests after it use those connections, none is opened anew.
  for (const mode of ['settled', 'at-once']) {
    test(`preconnect, requests ${mode === 'settled' ? 'after the handshakes' : 'during them'}: both over the two connections opened ahead, sendIf asked`, async () => {
      handshakes = 0;
      firstRequestAt = undefined;
      const out = await client({ NODE_EXTRA_CA_CERTS: ca }, mode);
      assert.deepEqual(out, {
        proxied: false,
        answers: ['200 hello PUT', '200 hello POST', 'asked POST PUT'],
        failure: '',
      });
      assert.equal(handshakes, 2, 'no connection opened besides the two ahead');
      // Opened ahead: both handshakes were done long before the first request came.
      if (mode === 'settled')
        assert.ok(
          (firstRequestAt ?? 0) - lastHandshakeAt > 200,
          `${firstRequestAt} vs ${lastHandshakeAt}`,
        );
    });
  }
});
