// docker-credential-helpers protocol: `docker-credential-<name> get`, server URL on stdin,
// `{"ServerURL","Username","Secret"}` on stdout; Username `<token>` marks an identity token.
import { spawn } from 'node:child_process';
import type { ExecFn } from './credentials.js';
import { OciError } from './errors.js';

interface HelperCredentials {
  username: string;
  secret: string;
  /** True when the secret is an identity (refresh) token rather than a password. */
  identityToken: boolean;
}

const HELPER_TIMEOUT_MS = 30_000;

/** `undefined` when the helper has no credentials for that server. */
export async function getFromHelper(
  helper: string,
  serverUrl: string,
  exec: ExecFn = spawnExec,
): Promise<HelperCredentials | undefined> {
  const program = `docker-credential-${helper}`;
  let result: Awaited<ReturnType<ExecFn>>;
  try {
    result = await exec(program, ['get'], serverUrl);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new OciError(
        { code: 'CREDENTIAL_HELPER_FAILED', program, serverUrl, problem: 'missing' },
        { cause: err },
      );
    }
    throw err;
  }
  if (result.code !== 0) {
    // The protocol's "not found" answer; everything else is a helper failure.
    if (/credentials not found/i.test(result.stdout + result.stderr)) return undefined;
    throw new OciError({
      code: 'CREDENTIAL_HELPER_FAILED',
      program,
      serverUrl,
      problem: 'exit',
      exitCode: result.code,
    });
  }
  let parsed: { Username?: unknown; Secret?: unknown };
  try {
    parsed = JSON.parse(result.stdout) as typeof parsed;
  } catch {
    throw new OciError({ code: 'CREDENTIAL_HELPER_FAILED', program, serverUrl, problem: 'output' });
  }
  const username = typeof parsed.Username === 'string' ? parsed.Username : '';
  const secret = typeof parsed.Secret === 'string' ? parsed.Secret : '';
  if (secret === '') return undefined;
  return { username, secret, identityToken: username === '<token>' };
}

/** Runs a program found on PATH with `input` on stdin; rejects with ENOENT when it is missing. */
export const spawnExec: ExecFn = (file, args, input) =>
  new Promise((resolve, reject) => {
    const child = spawn(file, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    // Our own timer (not spawn's `timeout`), so a helper that never started leaves nothing behind.
    const timer = setTimeout(() => child.kill('SIGKILL'), HELPER_TIMEOUT_MS);
    timer.unref();
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? 1, stdout, stderr });
    });
    child.stdin.on('error', () => {}); // the helper may exit before reading stdin
    child.stdin.end(input);
  });
