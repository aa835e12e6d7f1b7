/**
 * A TUF repository (TUF specification 1.0: root, timestamp, snapshot, targets, consistent
 * snapshots) holding one target, Sigstore's `trusted_root.json`, signed with an Ed25519 key made
 * here, served on 127.0.0.1 over HTTPS with a certificate the test gives (plain HTTP without one). Put behind a test proxy
 * under the name of Sigstore's public TUF CDN, it lets the bundled action fetch "the public-good
 * trusted root" from loopback, through the code path a runner uses.
 *
 *   const repo = await startTufRepo({ target: stack.trustedRoot, certificate, key });
 *   repo.seedCache(join(xdgDataHome, 'sigstore-js'), DEFAULT_MIRROR_URL);  // our root.json
 *   ... repo.requests lists the paths asked for ...
 *   await repo.stop();
 */
import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type RequestListener, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

export interface TufRepo {
  /** Port of the HTTPS server on 127.0.0.1. */
  readonly port: number;
  /** Request paths served so far (including 404s, e.g. `/2.root.json`). */
  readonly requests: string[];
  /** Writes version 1 of the root where @sigstore/tuf keeps its trusted root for `mirrorURL`. */
  seedCache(sigstoreCacheDir: string, mirrorURL: string): void;
  stop(): Promise<void>;
}

type JSONValue = string | number | boolean | null | JSONValue[] | { [k: string]: JSONValue };

/**
 * Canonical JSON as TUF signs it (OLPC canonical JSON: keys sorted, no whitespace, strings with
 * only `"` and `\` escaped). Enough for the metadata built here, which has no floats and no
 * control characters in strings.
 */
export function canonical(v: JSONValue): string {
  if (v === null || typeof v === 'boolean' || typeof v === 'number') return JSON.stringify(v);
  if (typeof v === 'string') return `"${v.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  const keys = Object.keys(v).sort();
  return `{${keys.map((k) => `${canonical(k)}:${canonical(v[k] as JSONValue)}`).join(',')}}`;
}

const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

export async function startTufRepo(options: {
  target: unknown;
  /** PEM files of the server certificate and key; plain HTTP without them. */
  certificate?: string;
  key?: string;
  targetName?: string;
}): Promise<TufRepo> {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  // Raw 32-byte public key in hex, the form python-tuf and tuf-js use for ed25519 keys.
  const raw = publicKey.export({ format: 'der', type: 'spki' }).subarray(-32).toString('hex');
  const tufKey = { keytype: 'ed25519', scheme: 'ed25519', keyval: { public: raw } };
  const keyid = sha256(canonical(tufKey));
  const expires = new Date(Date.now() + 7 * 86_400_000).toISOString().replace(/\.\d+Z$/, 'Z');
  const signed = (body: { [k: string]: JSONValue }) =>
    Buffer.from(
      JSON.stringify({
        signed: body,
        signatures: [
          { keyid, sig: sign(null, Buffer.from(canonical(body)), privateKey).toString('hex') },
        ],
      }),
    );
  const role = { keyids: [keyid], threshold: 1 };
  const base = { spec_version: '1.0.31', version: 1, expires };

  const root = signed({
    _type: 'root',
    ...base,
    consistent_snapshot: true,
    keys: { [keyid]: tufKey },
    roles: { root: role, targets: role, snapshot: role, timestamp: role },
  });
  const name = options.targetName ?? 'trusted_root.json';
  const target = Buffer.from(JSON.stringify(options.target));
  const targetHash = sha256(target);
  const targets = signed({
    _type: 'targets',
    ...base,
    targets: { [name]: { length: target.length, hashes: { sha256: targetHash } } },
  });
  const snapshot = signed({
    _type: 'snapshot',
    ...base,
    meta: { 'targets.json': { version: 1 } },
  });
  const timestamp = signed({
    _type: 'timestamp',
    ...base,
    meta: {
      'snapshot.json': {
        version: 1,
        length: snapshot.length,
        hashes: { sha256: sha256(snapshot) },
      },
    },
  });
  // Consistent snapshots: versioned snapshot/targets names, targets by hash prefix.
  const files = new Map<string, Buffer>([
    ['/1.root.json', root],
    ['/timestamp.json', timestamp],
    ['/1.snapshot.json', snapshot],
    ['/1.targets.json', targets],
    [`/targets/${targetHash}.${name}`, target],
  ]);

  const requests: string[] = [];
  const serve: RequestListener = (req, res) => {
    const path = new URL(req.url ?? '/', 'https://x').pathname;
    requests.push(path);
    const body = req.method === 'GET' ? files.get(path) : undefined;
    if (!body) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
    res.end(body);
  };
  const server: Server =
    options.certificate && options.key
      ? createHttpsServer(
          { cert: readFileSync(options.certificate), key: readFileSync(options.key) },
          serve,
        )
      : createHttpServer(serve);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    port: (server.address() as AddressInfo).port,
    requests,
    seedCache(sigstoreCacheDir, mirrorURL) {
      // @sigstore/tuf keeps one directory per mirror, named by its host and path, URI-encoded,
      // and copies a seed root there only when none is present.
      const url = new URL(mirrorURL);
      const dir = join(
        sigstoreCacheDir,
        encodeURIComponent(url.host + url.pathname.replace(/\/$/, '')),
      );
      mkdirSync(join(dir, 'targets'), { recursive: true });
      writeFileSync(join(dir, 'root.json'), root);
    },
    async stop() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}
