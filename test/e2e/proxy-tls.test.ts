// Behind a proxy, with a private CA: the bundled publish (Node 24) sends registry, Fulcio, Rekor
// and TSA requests through HTTPS_PROXY / HTTP_PROXY (NO_PROXY exempts hosts), and trusts a
// registry certificate signed by a CA this test makes with openssl only when NODE_EXTRA_CA_CERTS
// names it. The registry is the Debian distribution registry serving TLS on 127.0.0.1 under the
// name registry.example, which only the proxy resolves (so no loopback shortcut applies and no DNS
// is needed). verify without trusted-root fetches Sigstore's public-good root from its TUF CDN:
// the proxy sends that host to a TUF repository on loopback (test/harness/tuf-repo.ts) holding
// the loopback Sigstore's trusted root, with a certificate from the same CA, as a TLS-inspecting
// corporate proxy would.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DEFAULT_MIRROR_URL } from '@sigstore/tuf';
import { runAction } from '../harness/action.js';
import { type ForwardProxy, startForwardProxy } from '../harness/forward-proxy.js';
import { GITHUB_OIDC_ISSUER } from '../harness/github-oidc.js';
import { type Keyless, startKeyless } from '../harness/keyless.js';
import { startRegistry, type TestRegistry } from '../harness/registry.js';
import { makeCA } from '../harness/test-ca.js';
import { requireTools } from '../harness/tools.js';
import { startTufRepo, type TufRepo } from '../harness/tuf-repo.js';

const SHA = '5f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c';
const NAME = 'registry.example';
/** Sigstore's public TUF CDN, which only the test proxy resolves (to the loopback TUF repo). */
const TUF_HOST = new URL(DEFAULT_MIRROR_URL).host;
const IDENTITY = [
  `- issuer: ^${GITHUB_OIDC_ISSUER.replace(/\./g, '\\.')}$`,
  '  subject: ^https://github\\.com/org/app-config/\\.github/workflows/publish\\.yaml@refs/heads/main$',
].join('\n');

describe(
  'proxies and a private CA (publish under Node 24)',
  requireTools('node24', 'docker-registry', 'openssl'),
  () => {
    let dir: string;
    let ws: string;
    let registry: TestRegistry;
    let keyless: Keyless;
    let proxy: ForwardProxy;
    let proxyURL: string;
    let ca: string;
    let tuf: TufRepo;
    let digest = '';
    let seen: string[] = [];

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'tls-'));
      ws = join(dir, 'ws');
      mkdirSync(join(ws, 'deploy'), { recursive: true });
      writeFileSync(join(ws, 'deploy', 'app.yaml'), 'kind: ConfigMap\n');
      const made = makeCA(dir, [`DNS:${NAME}`, `DNS:${TUF_HOST}`]);
      ca = made.ca;
      registry = await startRegistry({ tls: { certificate: made.certificate, key: made.key } });
      keyless = await startKeyless({
        repository: 'org/app-config',
        ref: 'refs/heads/main',
        sha: SHA,
      });
      const registryPort = Number(registry.host.split(':')[1]);
      tuf = await startTufRepo({
        target: keyless.stack.trustedRoot,
        certificate: made.certificate,
        key: made.key,
      });

      // CONNECT tunnels: registry.example to the TLS registry, the TUF CDN to the loopback TUF
      // repository; absolute-form plain-HTTP requests to the loopback Fulcio, Rekor and TSA.
      proxy = await startForwardProxy({ hosts: { [NAME]: registryPort, [TUF_HOST]: tuf.port } });
      proxyURL = proxy.url;
      seen = proxy.seen;
    });

    after(async () => {
      await proxy?.stop();
      await registry?.stop();
      await keyless?.stop();
      await tuf?.stop();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    const publish = (env: Record<string, string | undefined>) =>
      runAction('publish', {
        inputs: {
          repository: `${NAME}/org/app-config`,
          path: 'deploy',
          ...keyless.inputs,
          'tsa-url': keyless.stack.tsaURL,
        },
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
      assert.match(r.errors[0] ?? '', new RegExp(`${NAME}.*certificate.*NODE_EXTRA_CA_CERTS`));
      assert.ok(seen.includes(`CONNECT ${NAME}:443`), seen.join('\n'));
    });

    const proxied = (url: string) => proxy.proxied(url);
    const sigstore = () => ({
      Fulcio: keyless.stack.fulcioURL,
      Rekor: keyless.stack.rekorURL,
      TSA: keyless.stack.tsaURL,
    });

    test('with NODE_EXTRA_CA_CERTS: pushed over TLS, Fulcio, Rekor and the TSA reached through the proxy', async () => {
      seen.length = 0;
      const calls = { ...keyless.stack.calls };
      const r = await publish({ NODE_EXTRA_CA_CERTS: ca });
      assert.equal(r.exitCode, 0, r.stdout + r.stderr);
      assert.equal(r.outputs.signed, 'true');
      digest = r.outputs.digest ?? '';
      assert.ok(seen.includes(`CONNECT ${NAME}:443`), seen.join('\n'));
      for (const [service, url] of Object.entries(sigstore())) {
        assert.ok(proxied(url), `${service} bypassed the proxy:\n${seen.join('\n')}`);
      }
      assert.ok(keyless.stack.calls.tsa > calls.tsa, 'no timestamp was asked for');
    });

    test('NO_PROXY: hosts it names are reached directly, the others still through the proxy', async () => {
      seen.length = 0;
      const r = await publish({
        NODE_EXTRA_CA_CERTS: ca,
        NO_PROXY: '127.0.0.1',
        no_proxy: undefined,
      });
      assert.equal(r.exitCode, 0, r.stdout + r.stderr);
      assert.equal(r.outputs.signed, 'true');
      assert.ok(seen.includes(`CONNECT ${NAME}:443`), seen.join('\n'));
      for (const [service, url] of Object.entries(sigstore())) {
        assert.ok(
          !proxied(url),
          `${service} went through the proxy despite NO_PROXY:\n${seen.join('\n')}`,
        );
      }
    });

    const verify = (env: Record<string, string | undefined>) =>
      runAction('verify', {
        inputs: {
          repository: `${NAME}/org/app-config`,
          ref: digest,
          'match-oidc-identity': IDENTITY,
        },
        env: {
          HTTPS_PROXY: proxyURL,
          HTTP_PROXY: proxyURL,
          NO_PROXY: '',
          no_proxy: '',
          NODE_EXTRA_CA_CERTS: ca,
          ...env,
        },
        workspace: ws,
      });
    /** A data directory in which @sigstore/tuf finds the test's TUF root as its trusted root. */
    const dataHome = (name: string) => {
      const home = join(dir, name);
      tuf.seedCache(join(home, 'sigstore-js'), DEFAULT_MIRROR_URL);
      return home;
    };

    test('verify without trusted-root: the public-good root comes from the TUF CDN through the proxy', async () => {
      assert.ok(digest, 'the publish test did not run');
      seen.length = 0;
      tuf.requests.length = 0;
      const r = await verify({ XDG_DATA_HOME: dataHome('xdg-proxied') });
      assert.equal(r.exitCode, 0, r.stdout + r.stderr);
      assert.equal(r.outputs.verified, 'true', r.stdout);
      assert.ok(seen.includes(`CONNECT ${TUF_HOST}:443`), seen.join('\n'));
      // The updater looked for a newer root, then walked timestamp → snapshot → targets → target.
      assert.deepEqual(
        tuf.requests.filter((p) => !p.endsWith('.root.json')),
        [
          '/timestamp.json',
          '/1.snapshot.json',
          '/1.targets.json',
          tuf.requests.find((p) => p.endsWith('.trusted_root.json')),
        ],
      );
      assert.ok(tuf.requests.includes('/2.root.json'), tuf.requests.join('\n'));
    });

    test('NODE_USE_SYSTEM_CA=1 instead: the CA in the system store (SSL_CERT_FILE here) is trusted for the registry and TUF', async () => {
      assert.ok(digest, 'the publish test did not run');
      seen.length = 0;
      const r = await verify({
        XDG_DATA_HOME: dataHome('xdg-system-ca'),
        NODE_EXTRA_CA_CERTS: undefined,
        NODE_USE_SYSTEM_CA: '1',
        SSL_CERT_FILE: ca,
      });
      assert.equal(r.exitCode, 0, r.stdout + r.stderr);
      assert.equal(r.outputs.verified, 'true', r.stdout);
      assert.ok(seen.includes(`CONNECT ${TUF_HOST}:443`), seen.join('\n'));
    });

    test('verify with the TUF CDN in NO_PROXY: not sent to the proxy; fails in one line naming TUF and trusted-root', async () => {
      seen.length = 0;
      tuf.requests.length = 0;
      const r = await verify({
        XDG_DATA_HOME: dataHome('xdg-direct'),
        NO_PROXY: TUF_HOST,
        no_proxy: undefined,
      });
      assert.equal(r.exitCode, 1, r.stdout + r.stderr);
      assert.equal(r.errors.length, 1, r.stdout);
      assert.match(r.errors[0] ?? '', /TUF repository .*trusted-root/);
      assert.doesNotMatch(r.errors[0] ?? '', /unexpected error/);
      assert.ok(seen.includes(`CONNECT ${NAME}:443`), seen.join('\n'));
      assert.ok(!seen.some((l) => l.includes(TUF_HOST)), seen.join('\n'));
      assert.deepEqual(tuf.requests, []);
    });
  },
);
