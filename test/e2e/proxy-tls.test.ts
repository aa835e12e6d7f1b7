// Behind a proxy, with a private CA: the bundled publish (Node 24) sends registry, Fulcio and
// Rekor requests through HTTPS_PROXY / HTTP_PROXY, and trusts a registry certificate signed by a
// CA this test makes with openssl only when NODE_EXTRA_CA_CERTS names it. The registry is the
// Debian distribution registry serving TLS on 127.0.0.1 under the name registry.example, which
// only the proxy resolves (so no loopback shortcut applies and no DNS is needed).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request as httpRequest, type Server } from 'node:http';
import { type AddressInfo, connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runAction } from '../harness/action.js';
import { type Keyless, startKeyless } from '../harness/keyless.js';
import { startRegistry, type TestRegistry } from '../harness/registry.js';
import { requireTools } from '../harness/tools.js';

const SHA = '5f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c';
const NAME = 'registry.example';

function makeCA(dir: string): { ca: string; certificate: string; key: string } {
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  openssl(
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-days',
    '1',
    '-subj',
    '/CN=flux-oci-action test CA',
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign',
  );
  openssl(
    'req',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-subj',
    `/CN=${NAME}`,
    '-keyout',
    'server.key',
    '-out',
    'server.csr',
  );
  writeFileSync(
    join(dir, 'ext.cnf'),
    `subjectAltName=DNS:${NAME}\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n`,
  );
  openssl(
    'x509',
    '-req',
    '-in',
    'server.csr',
    '-CA',
    'ca.pem',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-days',
    '1',
    '-extfile',
    'ext.cnf',
    '-out',
    'server.pem',
  );
  return {
    ca: join(dir, 'ca.pem'),
    certificate: join(dir, 'server.pem'),
    key: join(dir, 'server.key'),
  };
}

describe(
  'proxies and a private CA (publish under Node 24)',
  requireTools('node24', 'docker-registry', 'openssl'),
  () => {
    let dir: string;
    let ws: string;
    let registry: TestRegistry;
    let keyless: Keyless;
    let proxy: Server;
    let proxyURL: string;
    let ca: string;
    const seen: string[] = [];
    const sockets = new Set<Socket>();

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'tls-'));
      ws = join(dir, 'ws');
      mkdirSync(join(ws, 'deploy'), { recursive: true });
      writeFileSync(join(ws, 'deploy', 'app.yaml'), 'kind: ConfigMap\n');
      const made = makeCA(dir);
      ca = made.ca;
      registry = await startRegistry({ tls: { certificate: made.certificate, key: made.key } });
      keyless = await startKeyless({
        repository: 'org/app-config',
        ref: 'refs/heads/main',
        sha: SHA,
      });
      const registryPort = Number(registry.host.split(':')[1]);

      // A forward proxy: CONNECT tunnels (registry.example goes to the TLS registry) and
      // absolute-form plain-HTTP requests (the loopback Fulcio and Rekor).
      proxy = createServer((req, res) => {
        seen.push(`${req.method} ${req.url}`);
        const up = httpRequest(req.url ?? '', { method: req.method, headers: req.headers }, (r) => {
          res.writeHead(r.statusCode ?? 502, r.headers);
          r.pipe(res);
        });
        up.on('error', () => res.writeHead(502).end());
        req.pipe(up);
      });
      proxy.on('connect', (req, client: Socket) => {
        seen.push(`CONNECT ${req.url}`);
        const [host, port] = (req.url ?? '').split(':');
        const target =
          host === NAME ? { host: '127.0.0.1', port: registryPort } : { host, port: Number(port) };
        const up = connect(target.port, target.host ?? '127.0.0.1', () => {
          client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
          up.pipe(client);
          client.pipe(up);
        });
        sockets.add(up).add(client);
        up.on('error', () => client.destroy());
        client.on('error', () => up.destroy());
      });
      await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', () => r()));
      proxyURL = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    });

    after(async () => {
      for (const s of sockets) s.destroy();
      if (proxy) {
        proxy.closeAllConnections();
        await new Promise((r) => proxy.close(r));
      }
      await registry?.stop();
      await keyless?.stop();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    const publish = (env: Record<string, string | undefined>) =>
      runAction('publish', {
        inputs: { repository: `${NAME}/org/app-config`, path: 'deploy', ...keyless.inputs },
        env: {
          ...keyless.oidc.env,
          GITHUB_SHA: SHA,
          GITHUB_REPOSITORY: 'org/app-config',
          HTTPS_PROXY: proxyURL,
          HTTP_PROXY: proxyURL,
          NO_PROXY: '',
          no_proxy: '',
          ...env,
        },
        event: {
          ref: 'refs/heads/main',
          head_commit: { id: SHA, timestamp: '2026-11-20T12:00:00Z' },
        },
        workspace: ws,
      });

    test('an untrusted registry certificate fails in one line, nothing signed', async () => {
      const r = await publish({ NODE_EXTRA_CA_CERTS: undefined });
      assert.equal(r.exitCode, 1, r.stdout + r.stderr);
      assert.equal(r.errors.length, 1, r.stdout);
      assert.match(
        r.errors[0] ?? '',
        new RegExp(`${NAME}.*(certificate|CERT|SELF_SIGNED|UNABLE)`, 'i'),
      );
      assert.ok(seen.includes(`CONNECT ${NAME}:443`), seen.join('\n'));
    });

    test('with NODE_EXTRA_CA_CERTS: pushed over TLS, Fulcio and Rekor reached through the proxy', async () => {
      seen.length = 0;
      const r = await publish({ NODE_EXTRA_CA_CERTS: ca });
      assert.equal(r.exitCode, 0, r.stdout + r.stderr);
      assert.equal(r.outputs.signed, 'true');
      assert.ok(seen.includes(`CONNECT ${NAME}:443`), seen.join('\n'));
      const fulcio = new URL(keyless.stack.fulcioURL).host;
      const rekor = new URL(keyless.stack.rekorURL).host;
      assert.ok(
        // Absolute-form (plain HTTP through the proxy) or a CONNECT tunnel: both go through it.
        seen.some((l) => l.includes(`//${fulcio}/`) || l === `CONNECT ${fulcio}`),
        `Fulcio bypassed the proxy:\n${seen.join('\n')}`,
      );
      assert.ok(
        seen.some((l) => l.includes(`//${rekor}/`) || l === `CONNECT ${rekor}`),
        `Rekor bypassed the proxy:\n${seen.join('\n')}`,
      );
    });
  },
);
