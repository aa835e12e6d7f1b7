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

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'direct-tls-'));
    const made = makeCA(dir, ['IP:127.0.0.1']);
    ca = made.ca;
    server = createServer(
      { cert: readFileSync(made.certificate), key: readFileSync(made.key) },
      (req, res) => {
        req.resume();
        res.end(`hello ${req.method}`);
      },
    );
    server.on('secureConnection', () => handshakes++);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/v2/`;
    script = join(dir, 'client.mts');
    writeFileSync(
      script,
      `import { Dispatcher, httpRequest } from ${JSON.stringify(join(REPO, 'src/oci/http.ts'))};
import { failureOf } from ${JSON.stringify(join(REPO, 'src/oci/failures.ts'))};
const dispatcher = new Dispatcher();
const out = { proxied: dispatcher.proxied, answers: [] as string[], failure: '' };
try {
  for (const method of ['GET', 'POST']) {
    const res = await httpRequest(process.argv[2]!, { method, headers: {}, body: method === 'POST' ? 'x' : undefined, dispatcher, idleTimeoutMs: 5000 });
    out.answers.push(res.status + ' ' + (await res.text()));
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

  const client = async (extra: Record<string, string>) => {
    const env: Record<string, string> = { PATH: process.env.PATH ?? '', ...extra };
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', script, url],
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
});
