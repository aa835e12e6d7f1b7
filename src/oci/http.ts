// The one place requests meet the network (registries, Fulcio, Rekor, TSA, the runner's OIDC
// endpoint), so which HTTP client runs is decided in one file:
// - no proxy configured (GitHub-hosted runners): node:http/https with keep-alive agents. Loading
//   them costs ~5 ms; undici's core costs ~45 ms (~320 KB of JS and its llhttp WebAssembly) and
//   more CPU per request: ~100 ms of CPU less over a signed publish's ~30 requests on a 2-core
//   runner (docs/benchmarks.md, "node:http without a proxy").
// - HTTPS_PROXY or HTTP_PROXY set: undici's EnvHttpProxyAgent, which honours NO_PROXY as Go and
//   curl do; node:http has no proxy support on the Node versions we run on (20 in tests; 24.5's
//   `proxyEnv` is newer than some runners' Node 24).
// Both load on the first request (or Dispatcher.prepare()), not at start: entry points print
// their first line before any request.
import { Agent as HttpAgent, request as httpSend, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsSend } from 'node:https';
import type { Socket } from 'node:net';
import { pipeline, Readable } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import type * as Undici from 'undici';
import { keptAlive, openAhead } from './agents.js';

/** The HTTPS_PROXY / HTTP_PROXY variables undici's EnvHttpProxyAgent reads, either case. */
function proxyConfigured(env: NodeJS.ProcessEnv = process.env): boolean {
  return ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy'].some((k) => !!env[k]);
}

/** Connections of a transport (or of the Sigstore clients): kept alive, proxy-aware. */
export class Dispatcher {
  /** Whether requests go through undici's proxy agent (read once, when made). */
  readonly proxied = proxyConfigured();
  #undici: Promise<Undici.Dispatcher> | undefined;
  #http: HttpAgent | undefined;
  #https: HttpsAgent | undefined;

  /** undici's proxy-aware agent: requests when a proxy is set; TUF's global fetch (trust.ts). */
  undiciAgent(): Promise<Undici.Dispatcher> {
    this.#undici ??= loadUndici().then((u) => new u.EnvHttpProxyAgent());
    return this.#undici;
  }

  /**
   * The kept-alive agent for `http:` or `https:`. node:http and node:https load on first use
   * (scripts/build.mjs, lazyBuiltins): https brings TLS, which a loopback registry never needs.
   */
  nodeAgent(protocol: string): HttpAgent {
    if (protocol === 'https:') {
      this.#https ??= keptAlive(new HttpsAgent({ keepAlive: true }), true);
      return this.#https;
    }
    this.#http ??= keptAlive(new HttpAgent({ keepAlive: true }), false);
    return this.#http;
  }

  /** Loads the client requests to `url` will use, making no connection. */
  prepare(url: string): void {
    if (this.proxied) this.undiciAgent().catch(() => {});
    else this.nodeAgent(new URL(url).protocol);
  }

  /**
   * Opens `count` more connections to `url`'s host for requests to come (agents.ts): a remote
   * service's TCP and TLS handshakes are then paid while this process does other work (git, the
   * build, the OIDC token), not by the first requests. Not through a proxy (its agent opens its
   * own tunnels). Sends nothing.
   */
  preconnect(url: string, count: number): void {
    if (this.proxied) return;
    openAhead(this.nodeAgent(new URL(url).protocol), url, count);
  }
}

/**
 * A connection not made within this long: undici's default, under undici's code, which
 * failures.ts (`refused`) and retry.ts (safe to repeat for any method) know.
 */
const CONNECT_TIMEOUT_MS = 10_000;
const CONNECT_TIMEOUT = 'UND_ERR_CONNECT_TIMEOUT';

type UndiciCore = Pick<typeof Undici, 'EnvHttpProxyAgent' | 'request'>;
let undici: Promise<UndiciCore> | undefined;
/** Once per process; scripts/build.mjs gives this import undici's core only (undiciCoreShim). */
function loadUndici(): Promise<UndiciCore> {
  undici ??= import('undici').then((m: Partial<UndiciCore> & { default?: UndiciCore }) =>
    // A CommonJS module through import() inside the bundle: its exports may sit on `default`.
    m.request && m.EnvHttpProxyAgent ? (m as UndiciCore) : (m.default as UndiciCore),
  );
  return undici;
}

export interface TransportResponse {
  status: number;
  /** Final URL (after redirects). */
  url: string;
  header(name: string): string | undefined;
  body: Readable;
  text(): Promise<string>;
  bytes(): Promise<Buffer>;
  dump(): Promise<void>;
  /** Request sent → headers received (ms), once the HTTP client is loaded: the round trip. */
  roundTripMs: number;
}

interface HttpRequest {
  method: string;
  headers: Record<string, string>;
  body?: Readable | Buffer | string | undefined;
  dispatcher: Dispatcher;
  /** Longest wait for response headers, or between two body chunks. */
  idleTimeoutMs: number;
  signal?: AbortSignal | undefined;
  /**
   * Asked once the connection is ready and nothing of the request is written yet (with a proxy:
   * once the headers are written, before the body): `false` leaves it unsent (an incomplete
   * body is never applied) and the request fails with `NotSentError`. For a write whose body
   * is only valid while what it was merged from is recent (src/oci/shared-tag.ts): the check
   * runs where the bytes go out, not before the awaits that lead there.
   */
  sendIf?: (() => boolean) | undefined;
}

/** The request was not sent: its `sendIf` said no when it could go out. */
export class NotSentError extends Error {
  override readonly name = 'NotSentError';
  constructor() {
    super('not sent: what it was based on was no longer recent when it could go out');
  }
}

/** A proxy-aware agent (HTTPS_PROXY, HTTP_PROXY, NO_PROXY), created on its first request. */
export function proxyDispatcher(): Dispatcher {
  return new Dispatcher();
}

/** One exchange, redirects not followed: the headers are read, the body is left to the caller. */
export async function httpRequest(url: string | URL, req: HttpRequest): Promise<TransportResponse> {
  if (!req.dispatcher.proxied) return nodeRequest(new URL(url), req);
  const [{ request }, dispatcher] = await Promise.all([loadUndici(), req.dispatcher.undiciAgent()]);
  const sent = performance.now();
  const { body, headers, refused } = undiciBody(req);
  const res = await request(url, {
    method: req.method as Undici.Dispatcher.HttpMethod,
    headers,
    body,
    dispatcher,
    headersTimeout: req.idleTimeoutMs,
    bodyTimeout: req.idleTimeoutMs,
    ...(req.signal ? { signal: req.signal } : {}),
  }).catch((err: unknown) => {
    throw refused() ? new NotSentError() : err;
  });
  return {
    roundTripMs: performance.now() - sent,
    status: res.statusCode,
    url: url.toString(),
    header: (name) => joined(res.headers[name.toLowerCase()]),
    body: res.body,
    text: () => res.body.text(),
    bytes: async () => Buffer.from(await res.body.arrayBuffer()),
    // Only for bodies we do not need: a reset while discarding one changes nothing.
    dump: () => res.body.dump().catch(() => {}),
  };
}

/** No byte either way for longer than the idle timeout: `ETIMEDOUT`, a stall (failures.ts). */
function stalled(ms: number): Error {
  return Object.assign(new Error(`no data from the server for ${ms} ms`), { code: 'ETIMEDOUT' });
}

/**
 * With `sendIf`, a body in memory becomes a stream undici reads once the headers are written
 * (its length stated, so a body cut short is never taken for a whole one).
 */
function undiciBody(req: HttpRequest): {
  body: Readable | Buffer | string | null;
  headers: Record<string, string>;
  refused: () => boolean;
} {
  const { body, sendIf } = req;
  if (!sendIf || body === undefined || !(typeof body === 'string' || Buffer.isBuffer(body)))
    return { body: body ?? null, headers: req.headers, refused: () => false };
  const bytes = Buffer.from(body);
  let refused = false;
  return {
    headers: { ...req.headers, 'content-length': String(bytes.length) },
    body: Readable.from(
      (async function* () {
        refused = !sendIf();
        if (refused) throw new NotSentError();
        yield bytes;
      })(),
      { objectMode: false },
    ),
    refused: () => refused,
  };
}

function nodeRequest(url: URL, req: HttpRequest): Promise<TransportResponse> {
  const https = url.protocol === 'https:';
  const send = https ? httpsSend : httpSend;
  const headers: Record<string, string> = { ...req.headers };
  const body = req.body;
  // As undici does: a body in memory is sent with its length, not chunked.
  if (typeof body === 'string') headers['content-length'] ??= String(Buffer.byteLength(body));
  else if (Buffer.isBuffer(body)) headers['content-length'] ??= String(body.length);
  return new Promise<TransportResponse>((resolve, reject) => {
    const sent = performance.now();
    const r = send(url, {
      method: req.method,
      headers,
      agent: req.dispatcher.nodeAgent(url.protocol),
      ...(req.signal ? { signal: req.signal } : {}),
    });
    let response: IncomingMessage | undefined;
    // Connecting: Node's request timer starts only once connected.
    r.once('socket', (socket: Socket) => {
      if (!socket.connecting) return;
      const timer = setTimeout(() => {
        const err = new Error(`could not connect within ${CONNECT_TIMEOUT_MS / 1000} s`);
        r.destroy(Object.assign(err, { code: CONNECT_TIMEOUT }));
      }, CONNECT_TIMEOUT_MS);
      socket.once('connect', () => clearTimeout(timer)).once('close', () => clearTimeout(timer));
    });
    // The socket's idle timer: waiting for headers, and between body chunks after them. A body
    // all here, or waiting for its reader, is not a stall (as undici's body timeout).
    const onIdle = () => {
      if (response?.complete) return;
      if (response && response.readableLength > 0) {
        r.setTimeout(req.idleTimeoutMs, onIdle); // its listener is called once
        return;
      }
      const err = stalled(req.idleTimeoutMs);
      response?.destroy(err);
      r.destroy(err);
    };
    r.setTimeout(req.idleTimeoutMs, onIdle);
    r.on('error', reject); // after the response: its body stream carries the error
    r.on('response', (res) => {
      response = res;
      resolve(nodeResponse(res, url.toString(), performance.now() - sent));
    });
    const sendIf = req.sendIf;
    if (sendIf && (body === undefined || typeof body === 'string' || Buffer.isBuffer(body))) {
      // Nothing is written before end(): ask once connected. A kept-alive socket is already;
      // end() waits for the tick Node flushes the request on it in (called from this event, Node
      // would finish the request twice).
      r.once('socket', (socket: Socket) => {
        const go = () => (sendIf() ? r.end(body) : r.destroy(new NotSentError()));
        // A connection opened ahead (Dispatcher.preconnect) may be connected, its TLS not yet.
        const secured = !https || (socket as TLSSocket).getFinished() !== undefined;
        if (socket.connecting || !secured) socket.once(https ? 'secureConnect' : 'connect', go);
        else process.nextTick(go);
      });
    } else if (body === undefined) r.end();
    else if (typeof body === 'string' || Buffer.isBuffer(body)) r.end(body);
    else pipeline(body, r, () => {}); // a failure on either side ends both; r reports it
  });
}

function nodeResponse(res: IncomingMessage, url: string, roundTripMs: number): TransportResponse {
  const bytes = async () => {
    const chunks: Buffer[] = [];
    for await (const c of res) chunks.push(c as Buffer);
    return Buffer.concat(chunks);
  };
  return {
    roundTripMs,
    status: res.statusCode ?? 0,
    url,
    header: (name) => joined(res.headers[name.toLowerCase()]),
    body: res,
    text: async () => (await bytes()).toString('utf8'),
    bytes,
    dump: () =>
      new Promise<void>((done) => {
        if (res.readableEnded || res.destroyed) return done();
        res
          .once('end', done)
          .once('close', done)
          .once('error', () => done());
        res.resume();
      }),
  };
}

function joined(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v.join(', ') : v;
}
