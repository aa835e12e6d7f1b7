// Proxy environment: requests go through HTTP_PROXY / HTTPS_PROXY (undici EnvHttpProxyAgent),
// and NO_PROXY bypasses it; a request whose `sendIf` says no sends no body through the proxy. The proxy is the counting one of test/harness/forward-proxy.ts
// (CONNECT tunnels and absolute-form requests).
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { NotSentError } from '../../src/oci/http.js';
import { Transport } from '../../src/oci/transport.js';
import { type ForwardProxy, startForwardProxy } from '../harness/forward-proxy.js';

let registry: Server;
/** Request bodies the registry received in full. */
const bodies: string[] = [];
let proxy: ForwardProxy;
let registryHost: string;
const saved = { ...process.env };

before(async () => {
  registry = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => {
      body += c;
    });
    req.on('end', () => {
      if (body) bodies.push(body);
      res.writeHead(200).end('registry');
    });
  });
  await new Promise<void>((r) => registry.listen(0, '127.0.0.1', () => r()));
  registryHost = `127.0.0.1:${(registry.address() as AddressInfo).port}`;
  proxy = await startForwardProxy();
});

after(async () => {
  process.env = saved;
  await proxy.stop();
  registry.closeAllConnections();
  await new Promise((r) => registry.close(r));
});

function setProxyEnv(env: Record<string, string>) {
  for (const k of [
    'HTTP_PROXY',
    'HTTPS_PROXY',
    'NO_PROXY',
    'http_proxy',
    'https_proxy',
    'no_proxy',
  ]) {
    delete process.env[k];
  }
  Object.assign(process.env, env);
}

async function get(): Promise<string> {
  // EnvHttpProxyAgent reads the environment when created, i.e. per Transport.
  const t = new Transport({ registry: registryHost, retry: { maxAttempts: 1 } });
  const res = await t.request({ method: 'GET', url: '/v2/' });
  return res.text();
}

test('HTTP_PROXY carries registry requests', async () => {
  setProxyEnv({ HTTP_PROXY: proxy.url });
  proxy.seen.length = 0;
  assert.equal(await get(), 'registry');
  assert.equal(proxy.seen.length, 1, proxy.seen.join(', '));
  assert.ok(proxy.proxied(`http://${registryHost}/v2/`), proxy.seen.join(', '));
});

test('NO_PROXY bypasses the proxy', async () => {
  setProxyEnv({ HTTP_PROXY: proxy.url, NO_PROXY: '127.0.0.1' });
  proxy.seen.length = 0;
  assert.equal(await get(), 'registry');
  assert.deepEqual(proxy.seen, []);
});

test('lower-case http_proxy works too; no proxy variables means direct', async () => {
  setProxyEnv({ http_proxy: proxy.url });
  proxy.seen.length = 0;
  assert.equal(await get(), 'registry');
  assert.equal(proxy.seen.length, 1);
  setProxyEnv({});
  proxy.seen.length = 0;
  assert.equal(await get(), 'registry');
  assert.deepEqual(proxy.seen, []);
});

test('through the proxy, a PUT whose sendIf says no is not sent, one that says yes is', async () => {
  setProxyEnv({ HTTP_PROXY: proxy.url });
  proxy.seen.length = 0;
  bodies.length = 0;
  const t = new Transport({ registry: registryHost, retry: { maxAttempts: 3 } });
  let asked = 0;
  const put = (answer: boolean) =>
    t.request({
      method: 'PUT',
      url: '/v2/org/app/manifests/sha256-abc.sig',
      body: Buffer.from('merged list'),
      noRetry: true,
      sendIf: () => {
        asked++;
        return answer;
      },
    });
  await assert.rejects(put(false), (e: unknown) => e instanceof NotSentError);
  assert.equal(asked, 1, 'asked once, never retried');
  assert.equal(await (await put(true)).text(), 'registry');
  await new Promise((r) => setTimeout(r, 50));
  assert.deepEqual(bodies, ['merged list']);
  assert.ok(proxy.seen.length >= 1, 'went through the proxy');
});
