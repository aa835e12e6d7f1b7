// Starts real OCI registries on 127.0.0.1 for tests:
// - distribution 2.8 (`docker-registry serve`), with no auth, htpasswd Basic auth, or token auth
//   backed by our token server; it has no referrers API, so the referrers-tag fallback is used;
// - with `referrers: true`, go-containerregistry's registry (test/tools/registry), which has one.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Access, startTokenServer, type TokenServer } from './token-server.js';
import { TOOLS_BIN, toolPath } from './tools.js';

export type RegistryAuth = 'none' | 'basic' | 'token';

export interface StartRegistryOptions {
  auth?: RegistryAuth;
  /** Use the Go registry with the OCI 1.1 referrers API (auth `none` or `basic` only). */
  referrers?: boolean;
  /** Token auth: extra users, e.g. `{ reader: { password: 'x', access: 'pull' } }`. */
  users?: Record<string, { password: string; access: Access }>;
  /** Token auth: what anonymous clients may do (default nothing). */
  anonymous?: Access | 'none';
  /** Token auth: lifetime of issued tokens in seconds. */
  tokenExpiresIn?: number;
  /** Serve HTTPS with this certificate and key (PEM files); distribution registry only. */
  tls?: { certificate: string; key: string };
  /** distribution's `storage.delete.enabled` (default true); false answers DELETE with 405 UNSUPPORTED. */
  deleteEnabled?: boolean;
}

export interface TestRegistry {
  /** `127.0.0.1:<port>`. */
  host: string;
  /** Credentials with push access (auth `basic` and `token`). */
  username?: string;
  password?: string;
  /** The token server (auth `token`). */
  tokenServer?: TokenServer;
  /** What the registry printed, for failure messages. */
  logs(): string;
  stop(): Promise<void>;
}

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const READY_TIMEOUT_MS = 15_000;
const PORT_ATTEMPTS = 5;

export async function startRegistry(options: StartRegistryOptions = {}): Promise<TestRegistry> {
  const auth = options.auth ?? 'none';
  if (options.referrers) {
    if (auth === 'token')
      throw new Error('startRegistry: the referrers registry has no token auth');
    return startGoRegistry(auth);
  }
  return startDistribution(auth, options);
}

async function startDistribution(
  auth: RegistryAuth,
  options: StartRegistryOptions,
): Promise<TestRegistry> {
  const bin = toolPath('docker-registry');
  const dir = mkdtempSync(join(tmpdir(), 'registry-'));
  const username = auth === 'none' ? undefined : 'tester';
  const password = auth === 'none' ? undefined : randomBytes(12).toString('base64url');
  let tokenServer: TokenServer | undefined;
  let authConfig = '';
  try {
    if (auth === 'basic') {
      const htpasswd = toolPath('htpasswd');
      // -B bcrypt (the only scheme distribution accepts), -b password from argv, -n to stdout.
      const line = execFileSync(htpasswd, ['-Bbn', username!, password!]).toString();
      writeFileSync(join(dir, 'htpasswd'), line, { mode: 0o600 });
      authConfig = `auth:\n  htpasswd:\n    realm: test-registry\n    path: ${join(dir, 'htpasswd')}\n`;
    } else if (auth === 'token') {
      tokenServer = await startTokenServer({
        users: { [username!]: { password: password!, access: 'push' }, ...options.users },
        anonymous: options.anonymous ?? 'none',
        ...(options.tokenExpiresIn !== undefined ? { expiresIn: options.tokenExpiresIn } : {}),
      });
      authConfig =
        'auth:\n  token:\n' +
        `    realm: ${tokenServer.realm}\n` +
        `    service: ${tokenServer.service}\n` +
        `    issuer: ${tokenServer.issuer}\n` +
        `    rootcertbundle: ${tokenServer.certFile}\n`;
    }

    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      const config = join(dir, 'config.yml');
      writeFileSync(
        config,
        'version: 0.1\n' +
          'log:\n  level: info\n  accesslog:\n    disabled: true\n' +
          `storage:\n  filesystem:\n    rootdirectory: ${join(dir, 'data')}\n  delete:\n    enabled: ${options.deleteEnabled ?? true}\n` +
          '  maintenance:\n    uploadpurging:\n      enabled: false\n' +
          `http:\n  addr: 127.0.0.1:${port}\n  secret: ${randomBytes(16).toString('hex')}\n` +
          (options.tls
            ? `  tls:\n    certificate: ${options.tls.certificate}\n    key: ${options.tls.key}\n`
            : '') +
          authConfig,
      );
      const proc = spawn(bin, ['serve', config], { stdio: ['ignore', 'pipe', 'pipe'] });
      const out = capture(proc);
      const host = `127.0.0.1:${port}`;
      // A TLS registry answers a plain-HTTP probe with 400, which is enough to know it listens.
      const ready = await waitReady(host, proc, options.tls ? [400] : []);
      if (ready === 'ready') {
        return {
          host,
          ...(username ? { username, password } : {}),
          ...(tokenServer ? { tokenServer } : {}),
          logs: out,
          async stop() {
            await stopProcess(proc);
            await tokenServer?.stop();
            rmSync(dir, { recursive: true, force: true });
          },
        };
      }
      await stopProcess(proc);
      // Another process may take the port between probing and binding: try another one.
      if (!/address already in use/i.test(out()) || attempt >= PORT_ATTEMPTS) {
        throw new Error(`docker-registry did not start (${ready}): ${out().slice(-2000)}`);
      }
    }
  } catch (err) {
    await tokenServer?.stop();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

async function startGoRegistry(auth: RegistryAuth): Promise<TestRegistry> {
  const bin = buildGoRegistry();
  const username = auth === 'basic' ? 'tester' : undefined;
  const password = auth === 'basic' ? randomBytes(12).toString('base64url') : undefined;
  const env = { ...process.env };
  delete env.REGISTRY_USERNAME;
  delete env.REGISTRY_PASSWORD;
  if (username && password)
    Object.assign(env, { REGISTRY_USERNAME: username, REGISTRY_PASSWORD: password });
  const proc = spawn(bin, ['-addr', '127.0.0.1:0'], { stdio: ['ignore', 'pipe', 'pipe'], env });
  const out = capture(proc);
  // The program prints the port it bound, so there is no probing race.
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let host: string | undefined;
  while (Date.now() < deadline && proc.exitCode === null) {
    host = /listening on (\S+)/.exec(out())?.[1];
    if (host) break;
    await sleep(25);
  }
  if (!host || (await waitReady(host, proc)) !== 'ready') {
    await stopProcess(proc);
    throw new Error(`referrers registry did not start: ${out().slice(-2000)}`);
  }
  return {
    host,
    ...(username ? { username, password } : {}),
    logs: out,
    stop: () => stopProcess(proc),
  };
}

/** Builds test/tools/registry into .tools/bin on first use (or when its sources changed). */
export function buildGoRegistry(): string {
  const src = join(ROOT, 'test/tools/registry');
  const binDir = TOOLS_BIN;
  const bin = join(binDir, 'oci-test-registry');
  const newest = Math.max(
    ...['main.go', 'go.mod', 'go.sum'].map((f) => statSync(join(src, f)).mtimeMs),
  );
  if (existsSync(bin) && statSync(bin).mtimeMs >= newest) return bin;
  mkdirSync(binDir, { recursive: true });
  const go = toolPath('go');
  // Build to a private name and rename, so parallel test files never run a half-written binary.
  const tmp = `${bin}.${process.pid}.${randomBytes(4).toString('hex')}`;
  execFileSync(go, ['build', '-o', tmp, '.'], { cwd: src, stdio: ['ignore', 'ignore', 'pipe'] });
  renameSync(tmp, bin);
  return bin;
}

function capture(proc: ChildProcess): () => string {
  let text = '';
  const add = (b: Buffer) => {
    text += b.toString();
    if (text.length > 64_000) text = text.slice(-32_000);
  };
  proc.stdout?.on('data', add);
  proc.stderr?.on('data', add);
  return () => text;
}

async function waitReady(
  host: string,
  proc: ChildProcess,
  alsoReady: readonly number[] = [],
): Promise<string> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null || proc.signalCode !== null) return `exited with ${proc.exitCode}`;
    try {
      const res = await fetch(`http://${host}/v2/`, { signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer();
      if (res.status === 200 || res.status === 401 || alsoReady.includes(res.status))
        return 'ready';
    } catch {
      // not listening yet
    }
    await sleep(50);
  }
  return 'timed out';
}

async function stopProcess(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  proc.kill('SIGTERM');
  const timer = setTimeout(() => proc.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
