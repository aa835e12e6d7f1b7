// Proxy environment: requests go through HTTP_PROXY / HTTPS_PROXY (undici EnvHttpProxyAgent),
// and NO_PROXY bypasses it. The proxy is a tiny counting one on 127.0.0.1 that handles both
// CONNECT tunnels and absolute-form requests.
import assert from 'node:assert/strict';
import { createServer, request as httpRequest, type Server } from 'node:http';
import { type AddressInfo, connect, type Socket } from 'node:net';
import { after, before, test } from 'node:test';
import { Transport } from '../../src/oci/transport.js';

let registry: Server;
let proxy: Server;
let registryHost: string;
let proxyUrl: string;
const proxied: string[] = [];
const sockets = new Set<Socket>();
const saved = { ...process.env };

before(async () => {
  registry = createServer((_req, res) => res.writeHead(200).end('registry'));
  await new Promise<void>((r) => registry.listen(0, '127.0.0.1', () => r()));
  registryHost = `127.0.0.1:${(registry.address() as AddressInfo).port}`;

  proxy = createServer((req, res) => {
    proxied.push(`${req.method} ${req.url}`);
    const upstream = httpRequest(
      req.url ?? '',
      { method: req.method, headers: req.headers },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on('error', () => res.writeHead(502).end());
    req.pipe(upstream);
  });
  proxy.on('connect', (req, client: Socket) => {
    proxied.push(`CONNECT ${req.url}`);
    const [host, port] = (req.url ?? '').split(':');
    const upstream = connect(Number(port), host ?? '127.0.0.1', () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.pipe(client);
      client.pipe(upstream);
    });
    sockets.add(upstream).add(client);
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', () => r()));
  proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
});

after(async () => {
  process.env = saved;
  for (const s of sockets) s.destroy();
  for (const s of [registry, proxy]) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
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
  setProxyEnv({ HTTP_PROXY: proxyUrl });
  const before = proxied.length;
  assert.equal(await get(), 'registry');
  const through = proxied.slice(before);
  assert.equal(through.length, 1);
  assert.match(through[0] ?? '', new RegExp(`${registryHost.replace(/\./g, '\\.')}`));
});

test('NO_PROXY bypasses the proxy', async () => {
  setProxyEnv({ HTTP_PROXY: proxyUrl, NO_PROXY: '127.0.0.1' });
  const before = proxied.length;
  assert.equal(await get(), 'registry');
  assert.equal(proxied.length, before);
});

test('lower-case http_proxy works too; no proxy variables means direct', async () => {
  setProxyEnv({ http_proxy: proxyUrl });
  let before = proxied.length;
  assert.equal(await get(), 'registry');
  assert.equal(proxied.length, before + 1);
  setProxyEnv({});
  before = proxied.length;
  assert.equal(await get(), 'registry');
  assert.equal(proxied.length, before);
});
