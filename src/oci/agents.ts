// The kept-alive node:http / node:https agents' two additions (http.ts makes the agents): idle
// connections close after a while, and connections opened ahead of their first request
// (`openAhead`, Dispatcher.preconnect) are handed out before the agent opens new ones.
// Types only from node:http here: http.ts loads it on first use (scripts/build.mjs).
import type { Agent } from 'node:http';
import type { Socket } from 'node:net';

/**
 * Idle connections close after 4 s, as undici's do: Node's agent keeps them forever by default,
 * and one reused just as the server closes it (proxies and load balancers close idle ones after
 * about a minute) fails the request on it. The agent's own 'free' handler runs first and arms
 * the socket's timer; the agent destroys a free socket when it fires.
 */
const IDLE_CONNECTION_MS = 4000;

const AHEAD = Symbol('connections opened ahead');
type WithAhead = Agent & { [AHEAD]?: Ahead };

/** `agent` with idle connections closed and connections opened ahead handed out first. */
export function keptAlive<A extends Agent>(agent: A, tls: boolean): A {
  agent.on('free', (socket: Socket) => socket.setTimeout(IDLE_CONNECTION_MS));
  const create = agent.createConnection.bind(agent);
  // With the agent's own options, as it connects (keep-alive today; TLS ones if ever added).
  const options = (agent as { options?: object }).options ?? {};
  const ahead = new Ahead((o) => create({ ...options, ...o }) as Socket, tls);
  (agent as WithAhead)[AHEAD] = ahead;
  agent.createConnection = (opts, callback) =>
    ahead.take(opts.host, opts.port) ?? create(opts, callback);
  return agent;
}

/**
 * Opens `count` more connections to `url`'s host on `agent` (one made by keptAlive). An unused
 * or failed one is dropped, closes after the idle timeout and keeps no process alive.
 */
export function openAhead(agent: Agent, url: string, count: number): void {
  const u = new URL(url);
  const host = u.hostname.replace(/^\[|\]$/g, '');
  const port = Number(u.port) || (u.protocol === 'https:' ? 443 : 80);
  (agent as WithAhead)[AHEAD]?.open(host, port, count);
}

/** Connections opened before their first request, per `host:port`. */
class Ahead {
  readonly #open = new Map<string, Socket[]>();
  readonly #drops = new WeakMap<Socket, () => void>();
  constructor(
    private readonly create: (options: object) => Socket,
    private readonly tls: boolean,
  ) {}

  open(host: string, port: number, count: number): void {
    const key = `${host}:${port}`;
    const list = this.#open.get(key) ?? [];
    this.#open.set(key, list);
    // As the agent connects: SNI with the host name, never with an address.
    const address = /^[\d.]+$/.test(host) || host.includes(':');
    for (let i = 0; i < count; i++) {
      const socket = this.create({
        host,
        port,
        ...(this.tls && !address ? { servername: host } : {}),
      });
      const drop = () => socket.destroy();
      socket.unref();
      socket.setTimeout(IDLE_CONNECTION_MS, drop);
      socket.on('error', drop);
      this.#drops.set(socket, drop);
      list.push(socket);
    }
  }

  /** A connection opened ahead for `host:port`, still usable, or undefined. */
  take(host: string | null | undefined, port: unknown): Socket | undefined {
    const list = this.#open.get(`${host}:${Number(port)}`);
    for (let s = list?.shift(); s; s = list?.shift()) {
      if (s.destroyed) continue;
      // From here the request's and the agent's handlers own it.
      const drop = this.#drops.get(s);
      if (drop) {
        s.off('timeout', drop);
        s.off('error', drop);
      }
      s.setTimeout(0);
      s.ref();
      return s;
    }
    return undefined;
  }
}
