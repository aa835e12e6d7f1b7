// The one place the registry client talks to undici (HTTP requests and the proxy agent), so
// how undici is loaded is decided in one file.
import type { Readable } from 'node:stream';
import { type Dispatcher, EnvHttpProxyAgent, request } from 'undici';

export type { Dispatcher };

export interface TransportResponse {
  status: number;
  /** Final URL (after redirects). */
  url: string;
  header(name: string): string | undefined;
  body: Readable;
  text(): Promise<string>;
  bytes(): Promise<Buffer>;
  dump(): Promise<void>;
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

/** A proxy-aware agent (HTTPS_PROXY, HTTP_PROXY, NO_PROXY). */
export function proxyDispatcher(): Dispatcher {
  return new EnvHttpProxyAgent();
}

/** One exchange, redirects not followed: the headers are read, the body is left to the caller. */
export async function httpRequest(url: string | URL, req: HttpRequest): Promise<TransportResponse> {
  const res = await request(url, {
    method: req.method as Dispatcher.HttpMethod,
    headers: req.headers,
    body: req.body ?? null,
    dispatcher: req.dispatcher,
    headersTimeout: req.idleTimeoutMs,
    bodyTimeout: req.idleTimeoutMs,
    ...(req.signal ? { signal: req.signal } : {}),
  });
  return wrap(res, url.toString());
}

function wrap(res: Dispatcher.ResponseData, url: string): TransportResponse {
  return {
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

function header(headers: Dispatcher.ResponseData['headers'], name: string): string | undefined {
  const v = headers[name.toLowerCase()];
  return Array.isArray(v) ? v.join(', ') : v;
}
