/**
 * A counting forward proxy on 127.0.0.1, as HTTPS_PROXY / HTTP_PROXY name one: CONNECT tunnels
 * (undici tunnels plain-HTTP targets too) and absolute-form plain-HTTP requests. `hosts` sends
 * names only the proxy resolves (e.g. `registry.example`) to loopback ports, so a test reaches a
 * "remote" host through the proxy and nowhere else.
 *
 *   const proxy = await startForwardProxy({ hosts: { 'registry.example': port } });
 *   env.HTTPS_PROXY = proxy.url; ... proxy.seen: ['CONNECT registry.example:443', …]
 *   await proxy.stop();
 */
import { createServer, request as httpRequest, type Server } from 'node:http';
import { type AddressInfo, connect, type Socket } from 'node:net';

export interface ForwardProxy {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** `CONNECT host:port` or `METHOD absolute-url`, in order; clear with `seen.length = 0`. */
  readonly seen: string[];
  /** True when a request to `url`'s host went through the proxy (tunnelled or absolute-form). */
  proxied(url: string): boolean;
  stop(): Promise<void>;
}

export async function startForwardProxy(
  options: { hosts?: Record<string, number> } = {},
): Promise<ForwardProxy> {
  const hosts = options.hosts ?? {};
  const seen: string[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    const target = new URL(req.url ?? '');
    const mapped = hosts[target.hostname];
    if (mapped) {
      target.hostname = '127.0.0.1';
      target.port = String(mapped);
    }
    const up = httpRequest(target, { method: req.method, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    up.on('error', () => res.writeHead(502).end());
    req.pipe(up);
  });
  server.on('connect', (req, client: Socket) => {
    seen.push(`CONNECT ${req.url}`);
    const [host = '', port] = (req.url ?? '').split(':');
    const mapped = hosts[host];
    const up = connect(mapped ?? Number(port), mapped ? '127.0.0.1' : host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      up.pipe(client);
      client.pipe(up);
    });
    sockets.add(up).add(client);
    up.on('error', () => client.destroy());
    client.on('error', () => up.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    proxied(url) {
      const { host, protocol } = new URL(url);
      const withPort = host.includes(':') ? host : `${host}:${protocol === 'https:' ? 443 : 80}`;
      return seen.some((l) => l.includes(`//${host}/`) || l === `CONNECT ${withPort}`);
    },
    async stop() {
      for (const s of sockets) s.destroy();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}
