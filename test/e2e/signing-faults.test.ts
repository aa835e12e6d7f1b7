// Concurrent signers through a fault-injecting proxy (test/harness/fault-proxy.ts) in front of
// distribution and the referrers-API registry: every run that reports `signed: true` must have
// its own signature (its own key) in every format it claims. Counts are small for CI;
// bench/concurrency.ts runs the same with more signers and rounds.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { runConcurrentSigning } from '../harness/concurrent-signing.js';
import { requireTools } from '../harness/tools.js';

const SIGNERS = Number(process.env.CONCURRENCY_SIGNERS ?? 4);
const ROUNDS = Number(process.env.CONCURRENCY_ROUNDS ?? 2);
const SEED = Number(process.env.CONCURRENCY_SEED ?? 1);
// The harness signs `both` by default (the `.sig` image and the referrers tag raced at once).
const FORMAT = process.env.CONCURRENCY_FORMAT as 'cosign-v2' | 'cosign-v3' | 'both' | undefined;

describe(
  'concurrent signers under registry faults lose no signature',
  requireTools('node24'),
  () => {
    for (const referrers of [false, true]) {
      for (const rate of [0.1, 0.3]) {
        const name = `${referrers ? 'referrers API' : 'distribution'}, ${rate * 100}% faults, ${ROUNDS} rounds × ${SIGNERS} signers`;
        test(name, { timeout: 600_000 }, async (t) => {
          const r = await runConcurrentSigning({
            referrers,
            rate,
            signers: SIGNERS,
            rounds: ROUNDS,
            seed: SEED + (referrers ? 100 : 0) + rate * 10,
            ...(FORMAT ? { signatureFormat: FORMAT } : {}),
          });
          t.diagnostic(JSON.stringify({ ...r, faults: { ...r.faults } }));
          assert.ok(r.faults.faults > 0, 'the proxy injected faults');
          assert.deepEqual(r.lost, { 'cosign-v2': 0, 'cosign-v3': 0 }, JSON.stringify(r));
          // Faults may fail a run (it must then say signed: false, checked by the harness), but
          // enough must get through for the signers to race on the shared tags.
          assert.ok(r.succeeded >= (SIGNERS * ROUNDS) / 4, JSON.stringify(r));
        });
      }
      // Concurrent publishes of one tree: each pushes the artifact, signs it and moves one tag,
      // the signature writers reading their tags while the artifact's manifest is stored.
      const name = `publish: ${referrers ? 'referrers API' : 'distribution'}, 30% faults, ${ROUNDS} rounds × ${SIGNERS} publishers`;
      test(name, { timeout: 600_000 }, async (t) => {
        const r = await runConcurrentSigning({
          referrers,
          rate: 0.3,
          signers: SIGNERS,
          rounds: ROUNDS,
          seed: SEED + (referrers ? 100 : 0) + 50,
          entry: 'publish',
          ...(FORMAT ? { signatureFormat: FORMAT } : {}),
        });
        t.diagnostic(JSON.stringify({ ...r, faults: { ...r.faults } }));
        assert.ok(r.faults.faults > 0, 'the proxy injected faults');
        assert.deepEqual(r.lost, { 'cosign-v2': 0, 'cosign-v3': 0 }, JSON.stringify(r));
        assert.ok(r.succeeded >= (SIGNERS * ROUNDS) / 4, JSON.stringify(r));
      });
    }
  },
);
