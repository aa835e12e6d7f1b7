/**
 * Locates the pinned tools that `scripts/install-tools.sh` installs (versions in
 * `test/tools/pins.env`), and the system ones tests need.
 *
 *   const flux = toolPath('flux');                       // throws if not installed
 *   describe('flux interop', requireTools('flux', 'crane'), () => { ... });
 *
 * A missing tool is an error, so CI fails rather than skipping. Locally, SKIP_INTEROP=1 turns
 * `requireTools` into a skip (never when CI=true).
 */
import { accessSync, constants, readFileSync } from 'node:fs';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export type ToolName =
  | 'flux'
  | 'flux210'
  | 'crane'
  | 'oras'
  | 'cosign2'
  | 'cosign3'
  | 'node24'
  | 'fluxjudge-1.9'
  | 'fluxjudge-1.10'
  | 'docker-registry'
  | 'htpasswd'
  | 'go'
  | 'actionlint'
  | 'act'
  // From Debian's openssl package, which ca-certificates (in APT_PACKAGES) depends on.
  | 'openssl';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Where install-tools.sh puts binaries (it honours TOOLS_DIR the same way). */
export const TOOLS_BIN = join(process.env.TOOLS_DIR ?? join(REPO_ROOT, '.tools'), 'bin');

/** Built or downloaded into TOOLS_BIN; everything else comes from the system. */
const PINNED = new Set<ToolName>([
  'flux',
  'flux210',
  'crane',
  'oras',
  'cosign2',
  'cosign3',
  'node24',
  'actionlint',
  'fluxjudge-1.9',
  'fluxjudge-1.10',
  'act',
]);

/** Tests start the distribution registry by this path (the Debian package's binary). */
const SYSTEM_PATHS: Partial<Record<ToolName, string>> = {
  'docker-registry': '/usr/bin/docker-registry',
};

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function searchPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && isExecutable(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

/** The absolute path of `name`, or undefined when it is not installed. */
export function findTool(name: ToolName): string | undefined {
  if (PINNED.has(name)) {
    const path = join(TOOLS_BIN, name);
    return isExecutable(path) ? path : undefined;
  }
  const fixed = SYSTEM_PATHS[name];
  if (fixed && isExecutable(fixed)) return fixed;
  return searchPath(name);
}

function missingMessage(names: readonly ToolName[]): string {
  const where = names.map((n) => (PINNED.has(n) ? `${n} (in ${TOOLS_BIN})` : `${n} (on PATH)`));
  return `missing test tools: ${where.join(', ')}; run scripts/install-tools.sh`;
}

/** The absolute path of `name`; throws a message saying how to install it when missing. */
export function toolPath(name: ToolName): string {
  const path = findTool(name);
  if (!path) throw new Error(missingMessage([name]));
  return path;
}

/**
 * For node:test's options: `{ skip: false }` when every tool is installed. When one is missing
 * it throws (so the file fails), unless SKIP_INTEROP=1 outside CI, where it returns a skip reason.
 */
export function requireTools(...names: ToolName[]): { skip: string | false } {
  const missing = names.filter((n) => findTool(n) === undefined);
  if (missing.length === 0) return { skip: false };
  const message = missingMessage(missing);
  if (process.env.SKIP_INTEROP === '1' && process.env.CI !== 'true') {
    return { skip: `${message} (SKIP_INTEROP=1)` };
  }
  throw new Error(message);
}

let pinCache: Readonly<Record<string, string>> | undefined;

/** The pinned versions from test/tools/pins.env, e.g. `pins().FLUX_VERSION === '2.9.4'`. */
export function pins(): Readonly<Record<string, string>> {
  if (!pinCache) {
    const out: Record<string, string> = {};
    const text = readFileSync(join(REPO_ROOT, 'test', 'tools', 'pins.env'), 'utf8');
    for (const line of text.split('\n')) {
      const eq = line.indexOf('=');
      if (line.startsWith('#') || eq <= 0) continue;
      out[line.slice(0, eq).trim()] = line.slice(eq + 1).trim();
    }
    pinCache = Object.freeze(out);
  }
  return pinCache;
}

/** `cosign sign` with a cosign key and no transparency log (what Flux's key verification reads). */
export function cosignKeySignArgs(keyPath: string, cosign: 'cosign2' | 'cosign3'): string[] {
  return [
    'sign',
    '--yes',
    '--allow-http-registry',
    '--key',
    keyPath,
    '--tlog-upload=false',
    // cosign v3 would otherwise take a Rekor from the public signing config.
    ...(cosign === 'cosign3' ? ['--use-signing-config=false'] : []),
  ];
}
