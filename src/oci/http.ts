// The one place the registry client talks to undici (HTTP requests and the proxy agent), so
// how undici is loaded is decided in one file. undici (its core: ~320 KB of the bundle) loads on
// the first request (or Transport.prepare()), not at start: entry points print their first line
// before any request.
import type { Readable } from 'node:stream';
import type * as Undici from 'undici';

/** The transport's agent: proxy-aware (HTTPS_PROXY, HTTP_PROXY, NO_PROXY), made on first use. */
export class Dispatcher {
  #agent: Promise<Undici.Dispatcher> | undefined;
  agent(): Promise<Undici.Dispatcher> {
    this.#agent ??= loadUndici().then((u) => new u.EnvHttpProxyAgent());
    return this.#agent;
  }
}

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
}

/** A proxy-aware agent (HTTPS_PROXY, HTTP_PROXY, NO_PROXY), created on its first request. */
export function proxyDispatcher(): Dispatcher {
  return new Dispatcher();
}

/** One exchange, redirects not followed: the headers are read, the body is left to the caller. */
export async function httpRequest(url: string | URL, req: HttpRequest): Promise<TransportResponse> {
  const [{ request }, dispatcher] = await Promise.all([loadUndici(), req.dispatcher.agent()]);
  const sent = performance.now();
  const res = await request(url, {
    method: req.method as Undici.Dispatcher.HttpMethod,
    headers: req.headers,
    body: req.body ?? null,
    dispatcher,
    headersTimeout: req.idleTimeoutMs,
    bodyTimeout: req.idleTimeoutMs,
    ...(req.signal ? { signal: req.signal } : {}),
  });
  return wrap(res, url.toString(), performance.now() - sent);
}

function wrap(
  res: Undici.Dispatcher.ResponseData,
  url: string,
  roundTripMs: number,
): TransportResponse {
  return {
    roundTripMs,
    status: res.statusCode,
    url,
    header: (name) => header(res.headers, name),
    body: res.body,
    text: () => res.body.text(),
    bytes: async () => Buffer.from(await res.body.arrayBuffer()),
    // Only for bodies we do not need: a reset while discarding one changes nothing.
    dump: () => res.body.dump().catch(() => {}),
  };
}

function header(
  headers: Undici.Dispatcher.ResponseData['headers'],
  name: string,
): string | undefined {
  const v = headers[name.toLowerCase()];
  return Array.isArray(v) ? v.join(', ') : v;
}
