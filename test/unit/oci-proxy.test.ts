// Proxy environment: requests go through HTTP_PROXY / HTTPS_PROXY (undici EnvHttpProxyAgent),
// and NO_PROXY bypasses it. The proxy is the counting one of test/harness/forward-proxy.ts
// (CONNECT tunnels and absolute-form requests).
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { Transport } from '../../src/oci/transport.js';
import { type ForwardProxy, startForwardProxy } from '../harness/forward-proxy.js';

let registry: Server;
let proxy: ForwardProxy;
let registryHost: string;
const saved = { ...process.env };

before(async () => {
  registry = createServer((_req, res) => res.writeHead(200).end('registry'));
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
