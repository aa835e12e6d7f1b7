// A fault-injecting reverse proxy on 127.0.0.1, put in front of a real registry to play a flaky
// network: seeded (mulberry32, ./rng.ts) so a failing run can be replayed, rules chosen per
// request by method/path regex and a rate, every injected fault counted and logged (bounded).
//
// Faults:
// - `status5xx`       answers 500/502/503 without forwarding;
// - `status429`       answers 429 with `Retry-After: <retryAfterSeconds>` without forwarding;
// - `resetBefore`     destroys the connection before anything is forwarded;
// - `resetMidBody`    forwards, sends the headers and part of the body, then resets;
// - `resetAfterApplied` forwards, lets the upstream apply the request, then drops the response;
// - `gatewayAfterApplied` forwards, lets the upstream apply it, then answers 502 instead;
// - `stallMidBody`    forwards, sends the headers and part of the body, then goes silent for
//                     `stallMs` and resets;
// - `hang`            reads the request, never answers, resets after `hangMs`.
// Responses with an empty body cannot be cut mid-body: those faults then drop the response
// (counted as `resetAfterApplied`).
//
// Latency (`latency`): a remote registry's round trips played on loopback. Every request reaches
// the registry half a round trip after it arrived and its answer leaves half a round trip after
// the registry's headers; a connection carries no request before `handshakeRtts` round trips
// after it was opened (TCP, then TLS 1.3: what a client pays to reach an HTTPS registry), so a
// connection opened ahead of its first request has paid them by then. Bandwidth is not
// modelled; fault answers go out without the delay.
//
// The Host header is passed through unchanged, so registries that build absolute upload
// `Location`s from it (distribution) point clients back at the proxy.
import {
  Agent,
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { type StartRegistryOptions, startRegistry, type TestRegistry } from './registry.js';
import { rng } from './rng.js';

export const FAULT_KINDS = [
  'status5xx',
  'status429',
  'resetBefore',
  'resetMidBody',
  'resetAfterApplied',
  'gatewayAfterApplied',
  'stallMidBody',
  'hang',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface FaultRule {
  /** Method to match (exact, case-insensitive) or a regex; default any. */
  method?: string | RegExp;
  /** Regex on the request target (path and query); default any. */
  path?: RegExp;
  /** Probability in [0, 1] that a matching request gets a fault. */
  rate: number;
  /** Faults to pick from (uniformly, by the seeded PRNG). Default all. */
  faults?: readonly FaultKind[];
  /** Let the first `skip` matching requests through untouched. */
  skip?: number;
  /** At most this many faults from this rule. */
  limit?: number;
}

export interface FaultProxyOptions {
  /** `127.0.0.1:<port>` of the real registry. */
  upstream: string;
  seed: number;
  /** First matching rule decides; a request matching none passes. Default: none (no faults). */
  rules?: FaultRule[];
  /** Retry-After sent with 429. Default 1 (second). */
  retryAfterSeconds?: number;
  /** How long a `stallMidBody` goes silent before resetting. Default 15 s. */
  stallMs?: number;
  /** How long a `hang` holds the connection before resetting. Default 15 s. */
  hangMs?: number;
  /** Stop injecting after this many faults in total. Default unlimited. */
  maxFaults?: number;
  /** Round trips added to every forwarded request (see the file comment). Default none. */
  latency?: { rttMs: number; handshakeRtts?: number };
}

export interface InjectedFault {
  seq: number;
  method: string;
  path: string;
  fault: FaultKind;
}

/** One request as the proxy saw it: the upstream's status when it was forwarded. */
export interface SeenRequest {
  seq: number;
  method: string;
  path: string;
  /** Upstream status (also when the answer was then dropped), undefined when not forwarded. */
  status?: number;
  fault?: FaultKind;
}

export interface FaultCounters {
  requests: number;
  faults: number;
  byKind: Record<FaultKind, number>;
}

export interface FaultProxy {
  /** `127.0.0.1:<port>` to give clients instead of the registry's. */
  host: string;
  upstream: string;
  seed: number;
  counters(): FaultCounters;
  /** The injected faults, oldest first (the last 2000). */
  log(): InjectedFault[];
  /** Every request, oldest first (the last 5000). */
  history(): SeenRequest[];
  /** Restarts the PRNG with another seed (one seed per run against a shared proxy). */
  reseed(seed: number): void;
  /** Replaces the rules (and resets their skip/limit counts). */
  setRules(rules: FaultRule[]): void;
  /** `false`: pass everything through until enabled again. */
  setEnabled(enabled: boolean): void;
  stop(): Promise<void>;
}

const LOG_LIMIT = 2000;
const HISTORY_LIMIT = 5000;
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
  'te',
  'trailer',
]);

export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  let random = rng(options.seed);
  const seen: SeenRequest[] = [];
  const [upHost, upPort] = splitHost(options.upstream);
  const agent = new Agent({ keepAlive: true, maxSockets: 32 });
  const retryAfter = String(options.retryAfterSeconds ?? 1);
  const stallMs = options.stallMs ?? 15_000;
  const hangMs = options.hangMs ?? 15_000;
  const maxFaults = options.maxFaults ?? Number.POSITIVE_INFINITY;
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const byKind = Object.fromEntries(FAULT_KINDS.map((k) => [k, 0])) as Record<FaultKind, number>;
  const injected: InjectedFault[] = [];
  let requests = 0;
  let faults = 0;
  let enabled = true;
  let rules: { rule: FaultRule; seen: number; fired: number }[] = [];
  const setRules = (r: FaultRule[]) => {
    rules = r.map((rule) => ({ rule, seen: 0, fired: 0 }));
  };
  setRules(options.rules ?? []);

  const later = (ms: number, fn: () => void) => {
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    timers.add(t);
  };

  /** Decides (and records) the fault for one request, consuming the PRNG in a fixed order. */
  const decide = (method: string, path: string): FaultKind | undefined => {
    requests++;
    if (!enabled || faults >= maxFaults) return undefined;
    const entry = rules.find(({ rule }) => matches(rule, method, path));
    if (!entry) return undefined;
    entry.seen++;
    const roll = random();
    const pickRoll = random();
    if (entry.seen <= (entry.rule.skip ?? 0)) return undefined;
    if (entry.fired >= (entry.rule.limit ?? Number.POSITIVE_INFINITY)) return undefined;
    if (roll >= entry.rule.rate) return undefined;
    const list = entry.rule.faults ?? FAULT_KINDS;
    const fault = list[Math.min(list.length - 1, Math.floor(pickRoll * list.length))];
    if (!fault) return undefined;
    entry.fired++;
    return fault;
  };

  const record = (method: string, path: string, fault: FaultKind) => {
    faults++;
    byKind[fault]++;
    injected.push({ seq: requests, method, path, fault });
    if (injected.length > LOG_LIMIT) injected.shift();
  };

  const oneWay = (options.latency?.rttMs ?? 0) / 2;
  const handshake = (options.latency?.rttMs ?? 0) * (options.latency?.handshakeRtts ?? 2);
  /** When each connection's handshakes are done (opened + handshakeRtts round trips). */
  const usable = new WeakMap<Socket, number>();
  /** The answer of a forwarded request, half a round trip after the registry's headers. */
  const answer = (up: IncomingMessage, res: ServerResponse) =>
    oneWay > 0 ? later(oneWay, () => pipeResponse(up, res)) : pipeResponse(up, res);

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    if (oneWay === 0) return handleNow(req, res);
    // A request on a connection still in its handshakes could not have been sent yet.
    const wait = Math.max(0, (usable.get(req.socket) ?? 0) - performance.now());
    later(oneWay + wait, () => handleNow(req, res));
  };

  const handleNow = (req: IncomingMessage, res: ServerResponse) => {
    const method = req.method ?? 'GET';
    const path = req.url ?? '/';
    const fault = decide(method, path);
    const socket = req.socket;
    const entry: SeenRequest = { seq: requests, method, path, ...(fault ? { fault } : {}) };
    seen.push(entry);
    if (seen.length > HISTORY_LIMIT) seen.shift();
    const forward = (onResponse: (up: IncomingMessage) => void) =>
      forwardTo(req, res, (up) => {
        entry.status = up.statusCode;
        onResponse(up);
      });
    switch (fault) {
      case undefined:
        return forward((up) => answer(up, res));
      case 'resetBefore':
        record(method, path, fault);
        return socket.destroy();
      case 'status5xx':
      case 'status429':
        record(method, path, fault);
        return drain(req, () => {
          const status = fault === 'status429' ? 429 : [500, 502, 503][Math.floor(random() * 3)];
          const headers: Record<string, string> = {
            'content-type': 'application/json',
            connection: 'close',
          };
          if (fault === 'status429') headers['retry-after'] = retryAfter;
          const body = JSON.stringify({
            errors: [
              {
                code: fault === 'status429' ? 'TOOMANYREQUESTS' : 'UNAVAILABLE',
                message: 'injected fault',
              },
            ],
          });
          res.writeHead(status ?? 503, headers).end(body);
        });
      case 'hang':
        record(method, path, fault);
        req.resume();
        return later(hangMs, () => socket.destroy());
      case 'resetAfterApplied':
      case 'gatewayAfterApplied':
        record(method, path, fault);
        return forward((up) => {
          // Let the upstream finish (its whole answer read), then lie about it.
          up.resume();
          up.once('end', () => {
            if (fault === 'resetAfterApplied') socket.destroy();
            else
              res
                .writeHead(502, { 'content-type': 'text/plain', connection: 'close' })
                .end('injected fault: bad gateway');
          });
        });
      case 'resetMidBody':
      case 'stallMidBody':
        return forward((up) => {
          const length = Number(up.headers['content-length']);
          const empty = method === 'HEAD' || up.statusCode === 204 || length === 0;
          if (empty) {
            record(method, path, 'resetAfterApplied');
            up.resume();
            up.once('end', () => socket.destroy());
            return;
          }
          record(method, path, fault);
          // Cut somewhere inside the body: half of a known length, else half of the first chunk.
          let cutAt = Number.isFinite(length) && length > 1 ? Math.floor(length / 2) : 0;
          res.writeHead(up.statusCode ?? 502, responseHeaders(up));
          let sent = 0;
          let cut = false;
          const stop = () => {
            if (cut) return;
            cut = true;
            up.destroy();
            // Only after what was written reached the socket, or the client sees no body at all.
            res.write('', () => {
              if (fault === 'resetMidBody') socket.destroy();
              else later(stallMs, () => socket.destroy());
            });
          };
          up.on('data', (chunk: Buffer) => {
            if (cut) return;
            if (cutAt === 0) cutAt = Math.max(1, Math.floor(chunk.length / 2));
            const part = chunk.subarray(0, Math.min(cutAt - sent, chunk.length));
            sent += part.length;
            res.write(part);
            if (sent >= cutAt) stop();
          });
          up.once('end', stop);
        });
    }
  };

  const forwardTo = (
    req: IncomingMessage,
    res: ServerResponse,
    onResponse: (up: IncomingMessage) => void,
  ) => {
    const headers = { ...req.headers };
    for (const h of HOP_BY_HOP) if (h !== 'transfer-encoding') delete headers[h];
    const upstream = httpRequest(
      {
        host: upHost,
        port: upPort,
        method: req.method,
        path: req.url,
        headers,
        agent,
      },
      onResponse,
    );
    upstream.on('error', () => {
      if (!res.headersSent) res.writeHead(502, { connection: 'close' }).end('upstream error');
      else req.socket.destroy();
    });
    req.on('error', () => upstream.destroy());
    req.pipe(upstream);
  };

  const server: Server = createServer(handle);
  server.keepAliveTimeout = 5000;
  server.on('connection', (s: Socket) => {
    usable.set(s, performance.now() + handshake);
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => {});
  });
  // What a Go registry answers bytes it cannot parse (e.g. a TLS ClientHello: go-containerregistry
  // tries https first): a 400, which the client takes as "no TLS here" and falls back to http at
  // once. Dropping the connection instead sends it through a 300 ms wait before the fallback.
  server.on('clientError', (_err, s: Socket) => {
    if (s.writable) s.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    else s.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    host,
    upstream: options.upstream,
    seed: options.seed,
    counters: () => ({ requests, faults, byKind: { ...byKind } }),
    log: () => [...injected],
    history: () => seen.map((e) => ({ ...e })),
    reseed(seed) {
      random = rng(seed);
    },
    setRules,
    setEnabled(e) {
      enabled = e;
    },
    async stop() {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      for (const s of sockets) s.destroy();
      agent.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

function matches(rule: FaultRule, method: string, path: string): boolean {
  if (rule.method !== undefined) {
    const ok =
      typeof rule.method === 'string'
        ? rule.method.toUpperCase() === method.toUpperCase()
        : rule.method.test(method);
    if (!ok) return false;
  }
  return rule.path === undefined || rule.path.test(path);
}

function pipeResponse(up: IncomingMessage, res: ServerResponse) {
  res.writeHead(up.statusCode ?? 502, responseHeaders(up));
  up.pipe(res);
  up.on('error', () => res.destroy());
}

function responseHeaders(up: IncomingMessage): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(up.headers)) {
    if (v === undefined || HOP_BY_HOP.has(k)) continue;
    out[k] = v;
  }
  return out;
}

function drain(req: IncomingMessage, then: () => void) {
  if (req.complete) return then();
  req.once('end', then);
  req.once('error', then);
  req.resume();
}

function splitHost(hostPort: string): [string, number] {
  const i = hostPort.lastIndexOf(':');
  return [hostPort.slice(0, i), Number(hostPort.slice(i + 1))];
}

/** A real registry (test/harness/registry.ts) with a fault proxy in front: `host` is the proxy. */
export interface FaultyRegistry extends TestRegistry {
  /** The registry itself, for checking what it holds without faults. */
  direct: string;
  proxy: FaultProxy;
}

export async function startFaultyRegistry(
  registry: StartRegistryOptions,
  proxy: Omit<FaultProxyOptions, 'upstream'>,
): Promise<FaultyRegistry> {
  const reg = await startRegistry(registry);
  let fp: FaultProxy;
  try {
    fp = await startFaultProxy({ ...proxy, upstream: reg.host });
  } catch (err) {
    await reg.stop();
    throw err;
  }
  return {
    ...reg,
    host: fp.host,
    direct: reg.host,
    proxy: fp,
    async stop() {
      await fp.stop();
      await reg.stop();
    },
  };
}
