// Two jobs signing the same digest at the same moment (two processes running dist/sign.js) keep
// both signatures, in both formats, on registries with and without the referrers API.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { RegistryClient } from '../../src/oci/client.js';
import { parseRepository } from '../../src/oci/reference.js';
import { cosignSignatureTag, SIGSTORE_BUNDLE_V03_MEDIA_TYPE } from '../../src/signing/types.js';
import { runAction } from '../harness/action.js';
import type { FakeGitHubOIDC } from '../harness/github-oidc.js';
import { type Keyless, startKeyless } from '../harness/keyless.js';
import { startRegistry, type TestRegistry } from '../harness/registry.js';
import type { SigstoreStack } from '../harness/sigstore-stack.js';
import { requireTools } from '../harness/tools.js';

describe("concurrent signers keep each other's signatures", requireTools('node24'), () => {
  let oidc: FakeGitHubOIDC;
  let stack: SigstoreStack;
  let keyless: Keyless | undefined;
  let ws: string;
  const registries: TestRegistry[] = [];

  before(async () => {
    ws = mkdtempSync(join(tmpdir(), 'ws-'));
    mkdirSync(join(ws, 'deploy'));
    writeFileSync(join(ws, 'deploy', 'app.yaml'), 'kind: ConfigMap\n');
    // Each job has its own ephemeral key and Fulcio certificate, so the signatures differ.
    keyless = await startKeyless({ repository: 'org/app', ref: 'refs/heads/main' });
    ({ oidc, stack } = keyless);
  });
  after(async () => {
    for (const r of registries) await r.stop();
    await keyless?.stop();
    rmSync(ws, { recursive: true, force: true });
  });

  for (const referrers of [false, true]) {
    test(`two sign jobs at once (${referrers ? 'referrers API' : 'tag fallback'})`, async () => {
      const registry = await startRegistry({ referrers });
      registries.push(registry);
      const repo = `${registry.host}/org/app`;
      const client = new RegistryClient(parseRepository(repo));
      const sign = (ref: string) =>
        runAction('sign', {
          inputs: {
            repository: repo,
            ref,
            'fulcio-url': stack.fulcioURL,
            'rekor-url': stack.rekorURL,
            'signature-format': 'both',
          },
          env: oidc.env,
          workspace: ws,
        });
      // Bounded repetitions: each round signs a fresh artifact with two racing processes.
      for (let round = 0; round < 3; round++) {
        const pushed = await runAction('push', {
          inputs: {
            repository: repo,
            path: 'deploy',
            tags: `r${round}`,
            annotations: `round=${round}`,
          },
          event: { ref: 'refs/heads/main' },
          workspace: ws,
        });
        assert.equal(pushed.exitCode, 0, pushed.stdout);
        const digest = pushed.outputs.digest ?? '';
        const [a, b] = await Promise.all([sign(digest), sign(digest)]);
        assert.equal(a.exitCode, 0, a.stdout + a.stderr);
        assert.equal(b.exitCode, 0, b.stdout + b.stderr);
        const sig = await client.getManifest(cosignSignatureTag(digest));
        const layers = (
          JSON.parse(sig.bytes.toString()) as { layers: { annotations?: Record<string, string> }[] }
        ).layers;
        const certificates = new Set(
          layers.map((l) => l.annotations?.['dev.sigstore.cosign/certificate']),
        );
        assert.equal(layers.length, 2, `round ${round}: .sig keeps both signatures`);
        assert.equal(certificates.size, 2, 'two distinct certificates');
        const bundles = await client.listReferrers(digest, SIGSTORE_BUNDLE_V03_MEDIA_TYPE);
        assert.equal(bundles.length, 2, `round ${round}: both bundle referrers are listed`);
      }
    });
  }
});
