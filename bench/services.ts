// The services a publish benchmark runs against: a distribution registry and the loopback
// Sigstore stack with its OIDC endpoint. With `rtt` > 0 both sides reach the registry and the
// Sigstore services (Fulcio, Rekor) through a proxy adding that round trip to every request and
// two to every new connection (TCP and TLS handshakes; test/harness/fault-proxy.ts `latency`), as
// a remote registry such as ghcr.io and the public Sigstore would; the OIDC endpoint stays local.
import { startFaultProxy } from '../test/harness/fault-proxy.js';
import { type Keyless, startKeyless } from '../test/harness/keyless.js';
import { startRegistry, type TestRegistry } from '../test/harness/registry.js';

export interface BenchServices {
  registry: TestRegistry;
  /** The registry's host as clients are given it (the proxy's with `rtt`). */
  registryHost: string;
  keyless: Keyless;
  stop(): Promise<void>;
}

export async function startBenchServices(rtt: number): Promise<BenchServices> {
  const registry = await startRegistry({});
  const remote = (upstream: string) =>
    startFaultProxy({ upstream, seed: 1, latency: { rttMs: rtt } });
  const front = rtt > 0 ? await remote(registry.host) : undefined;
  const keyless = await startKeyless(
    { repository: 'org/app', ref: 'refs/heads/main' },
    rtt > 0 ? { front: remote } : {},
  );
  return {
    registry,
    registryHost: front?.host ?? registry.host,
    keyless,
    async stop() {
      await front?.stop();
      await registry.stop();
      await keyless.stop();
    },
  };
}
