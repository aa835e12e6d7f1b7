// N concurrent `sign` runs (dist/sign.js under Node 24, each with its own cosign key) on one
// digest, several rounds, through the fault-injecting proxy in front of a real registry; then,
// reading the registry directly (past the proxy), checks that every run that reported success
// has its signature in every format it claims. Used by test/e2e/signing-faults.test.ts (small
// counts) and bench/concurrency.ts (the figures in docs/benchmarks.md). The same race run with
// the real cosign CLI as the signers (`entry: 'cosign'`) is the comparison: what the CLI
// pipeline keeps under the same concurrency.
import { execFile } from 'node:child_process';
import { generateKeyPairSync, type KeyObject, verify } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RegistryClient } from '../../src/oci/client.js';
import { parseRepository } from '../../src/oci/reference.js';
import { readSignatureLayers, simpleSigningPayload } from '../../src/signing/cosign-v2.js';
import { encryptCosignKey } from '../../src/signing/key.js';
import { cosignSignatureTag, SIGSTORE_BUNDLE_V03_MEDIA_TYPE } from '../../src/signing/types.js';
import { type RunResult, runAction } from './action.js';
import { type FaultCounters, type FaultRule, startFaultyRegistry } from './fault-proxy.js';
import { cosignKeySignArgs, toolPath } from './tools.js';

export interface ConcurrencyOptions {
  referrers: boolean;
  /** Fault rate on every registry request the signers make (0 = no faults). */
  rate: number;
  signers: number;
  rounds: number;
  seed: number;
  /** Per sign run; a run past it counts as failed (it reported nothing). Default 120 s. */
  runTimeoutMs?: number;
  /**
   * What the signers store. Default `both`: the `.sig` image and the referrers tag are the two
   * shared tags, and both are raced on at once.
   */
  signatureFormat?: 'cosign-v2' | 'cosign-v3' | 'both';
  /**
   * `sign` (default): one unfaulted push, then N `sign` runs of its digest. `publish`: N
   * `publish` runs of one tree (same `created`, so one digest) that push it, sign it and move
   * the same tag at once, all through the faults: the signature writers then read their tags
   * while the artifact's manifest is being stored (SharedTagOptions.ready). `cosign`: as `sign`,
   * with real `cosign sign --key` runs instead of ours (cosign v2 for the `.sig` image, cosign
   * v3 for the bundle; `both` runs the two one after the other); success is exit status 0.
   */
  entry?: 'sign' | 'publish' | 'cosign';
  /** Round trip the proxy adds to every request (a remote registry; fault-proxy `latency`). */
  rttMs?: number;
}

export interface ConcurrencyReport {
  registry: 'distribution' | 'referrers API';
  rate: number;
  rounds: number;
  signers: number;
  /** Runs that exited 0 with `signed: true`. */
  succeeded: number;
  /** Runs that failed (they must not claim success). */
  failed: number;
  /** Successful runs whose signature is missing from a format they claim, per format. */
  lost: { 'cosign-v2': number; 'cosign-v3': number };
  /** Signatures found for successful runs, per format. */
  kept: { 'cosign-v2': number; 'cosign-v3': number };
  faults: FaultCounters;
  wallSeconds: number;
  /** First lines of failed runs' errors, for the report. */
  failures: string[];
  /** Which round and signer (0-based) lost its signature, and in which format. */
  lostRuns: { round: number; signer: number; format: 'cosign-v2' | 'cosign-v3' }[];
}

interface Signer {
  pem: string;
  publicKey: KeyObject;
}

const PASSWORD = 'concurrency-test';

export async function runConcurrentSigning(
  options: ConcurrencyOptions,
): Promise<ConcurrencyReport> {
  const rules: FaultRule[] =
    options.rate > 0
      ? [
          // Every kind of fault, on every request of the signers (shared tags, blobs, referrers).
          {
            rate: options.rate,
            faults: [
              'status5xx',
              'status429',
              'resetBefore',
              'resetMidBody',
              'resetAfterApplied',
              'gatewayAfterApplied',
              'stallMidBody',
              'hang',
            ],
          },
        ]
      : [];
  const registry = await startFaultyRegistry(
    { referrers: options.referrers },
    {
      seed: options.seed,
      rules,
      retryAfterSeconds: 1,
      stallMs: 1500,
      hangMs: 1500,
      ...(options.rttMs ? { latency: { rttMs: options.rttMs } } : {}),
    },
  );
  const ws = mkdtempSync(join(tmpdir(), 'ws-concurrency-'));
  const report: ConcurrencyReport = {
    registry: options.referrers ? 'referrers API' : 'distribution',
    rate: options.rate,
    rounds: options.rounds,
    signers: options.signers,
    succeeded: 0,
    failed: 0,
    lost: { 'cosign-v2': 0, 'cosign-v3': 0 },
    kept: { 'cosign-v2': 0, 'cosign-v3': 0 },
    faults: registry.proxy.counters(),
    wallSeconds: 0,
    failures: [],
    lostRuns: [],
  };
  try {
    mkdirSync(join(ws, 'deploy'));
    const repo = `${registry.host}/org/app`;
    const direct = new RegistryClient(parseRepository(`${registry.direct}/org/app`));
    const signers: Signer[] = await Promise.all(
      Array.from({ length: options.signers }, async () => {
        const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
        return { pem: await encryptCosignKey(privateKey, PASSWORD), publicKey };
      }),
    );
    const keyDir = join(ws, 'keys');
    mkdirSync(keyDir);
    const keyFiles = signers.map((s, i) => {
      const file = join(keyDir, `cosign-${i}.key`);
      writeFileSync(file, s.pem);
      return file;
    });
    const format = options.signatureFormat ?? 'both';
    const started = performance.now();
    for (let round = 0; round < options.rounds; round++) {
      writeFileSync(join(ws, 'deploy', 'app.yaml'), `round: ${round}\nseed: ${options.seed}\n`);
      const key = (s: Signer) => ({
        'cosign-key': s.pem,
        'cosign-key-password': PASSWORD,
        'signature-format': format,
      });
      const publishing = options.entry === 'publish';
      let digest = '';
      if (!publishing) {
        registry.proxy.setEnabled(false);
        const pushed = await runAction('push', {
          inputs: { repository: repo, path: 'deploy', tags: `r${round}` },
          event: { ref: 'refs/heads/main' },
          workspace: ws,
        });
        registry.proxy.setEnabled(true);
        if (pushed.exitCode !== 0) throw new Error(`push failed: ${pushed.stdout}`);
        digest = pushed.outputs.digest ?? '';
      }
      const runs = await Promise.all(
        signers.map((s, i) =>
          options.entry === 'cosign'
            ? cosignRun(
                `${repo}@${digest}`,
                keyFiles[i] as string,
                format,
                options.runTimeoutMs ?? 120_000,
              )
            : publishing
              ? runAction('publish', {
                  inputs: {
                    repository: repo,
                    path: 'deploy',
                    tags: `r${round}`,
                    created: '2026-12-02T00:00:00Z',
                    ...key(s),
                  },
                  event: { ref: 'refs/heads/main' },
                  workspace: ws,
                  timeoutMs: options.runTimeoutMs ?? 120_000,
                })
              : runAction('sign', {
                  inputs: { repository: repo, ref: digest, ...key(s) },
                  workspace: ws,
                  timeoutMs: options.runTimeoutMs ?? 120_000,
                }),
        ),
      );
      if (publishing) {
        const digests = new Set(runs.map((r) => r.outputs.digest).filter((d) => d));
        if (digests.size !== 1) throw new Error(`publish runs gave ${digests.size} digests`);
        digest = [...digests][0] ?? '';
      }
      // Read the registry directly: what Flux and cosign would find.
      const payload = simpleSigningPayload(repo, digest);
      const layers = (await readSignatureLayers(direct, cosignSignatureTag(digest))).layers;
      const bundles = await readBundles(direct, digest);
      runs.forEach((r, i) => {
        const signer = signers[i] as Signer;
        const ok = r.exitCode === 0 && r.outputs.signed === 'true';
        if (!ok) {
          report.failed++;
          if (r.outputs.signed === 'true') throw new Error('a failed run claimed signed: true');
          const line = r.errors[0] ?? r.stdout.split('\n').at(-2) ?? '';
          if (report.failures.length < 10) report.failures.push(line.slice(0, 300));
          return;
        }
        report.succeeded++;
        const formats = (r.outputs['signature-format'] ?? '').split('\n');
        if (formats.includes('cosign-v2')) {
          const found = layers.some((l) => {
            const sig = l.annotations?.['dev.cosignproject.cosign/signature'];
            return (
              sig !== undefined &&
              verify('sha256', payload, signer.publicKey, Buffer.from(sig, 'base64'))
            );
          });
          report[found ? 'kept' : 'lost']['cosign-v2']++;
          if (!found) report.lostRuns.push({ round, signer: i, format: 'cosign-v2' });
        }
        if (formats.includes('cosign-v3')) {
          const found = bundles.some((b) => dsseVerifies(b, signer.publicKey));
          report[found ? 'kept' : 'lost']['cosign-v3']++;
          if (!found) report.lostRuns.push({ round, signer: i, format: 'cosign-v3' });
        }
      });
    }
    report.wallSeconds = (performance.now() - started) / 1000;
    report.faults = registry.proxy.counters();
    return report;
  } finally {
    await registry.stop();
    rmSync(ws, { recursive: true, force: true });
  }
}

/**
 * Real `cosign sign --key` of `ref` in the formats asked (cosign v2 for the `.sig` image, cosign
 * v3 for the bundle), reported as our runs are: `signed: true` and the formats written when
 * every command exited 0. No transparency log (as the key-mode CLI pipeline of bench/pipeline.ts).
 */
async function cosignRun(
  ref: string,
  keyFile: string,
  format: 'cosign-v2' | 'cosign-v3' | 'both',
  timeoutMs: number,
): Promise<RunResult> {
  const tools =
    format === 'both' ? ['cosign2', 'cosign3'] : format === 'cosign-v2' ? ['cosign2'] : ['cosign3'];
  const out = {
    exitCode: 0,
    stdout: '',
    stderr: '',
    summary: '',
    errors: [] as string[],
    firstOutputMs: 0,
  };
  for (const tool of tools as ('cosign2' | 'cosign3')[]) {
    const args = cosignKeySignArgs(keyFile, tool);
    const failed = await new Promise<string | undefined>((resolve) => {
      execFile(
        toolPath(tool),
        [...args, ref],
        {
          timeout: timeoutMs,
          env: {
            PATH: process.env.PATH ?? '',
            HOME: join(keyFile, '..'),
            COSIGN_PASSWORD: PASSWORD,
          },
        },
        (err, _stdout, stderr) =>
          resolve(err ? `${tool}: ${stderr.trim().split('\n').at(-1) ?? err.message}` : undefined),
      );
    });
    if (failed) {
      out.exitCode = 1;
      out.errors.push(failed);
      return { ...out, outputs: { signed: 'false' } };
    }
  }
  const formats = format === 'both' ? 'cosign-v2\ncosign-v3' : format;
  return { ...out, outputs: { signed: 'true', 'signature-format': formats } };
}

interface Envelope {
  payload: string;
  payloadType: string;
  signatures: { sig: string }[];
}

async function readBundles(client: RegistryClient, digest: string): Promise<Envelope[]> {
  const out: Envelope[] = [];
  for (const d of await client.listReferrers(digest, SIGSTORE_BUNDLE_V03_MEDIA_TYPE)) {
    const manifest = JSON.parse((await client.getManifest(d.digest)).bytes.toString()) as {
      layers: { digest: string }[];
    };
    const layer = manifest.layers[0];
    if (!layer) continue;
    const chunks: Buffer[] = [];
    for await (const c of await client.fetchBlob(layer.digest)) chunks.push(c as Buffer);
    const bundle = JSON.parse(Buffer.concat(chunks).toString()) as { dsseEnvelope?: Envelope };
    if (bundle.dsseEnvelope) out.push(bundle.dsseEnvelope);
  }
  return out;
}

/** DSSE v1 pre-authentication encoding, then the ECDSA check against the signer's key. */
function dsseVerifies(env: Envelope, key: KeyObject): boolean {
  const payload = Buffer.from(env.payload, 'base64');
  const pae = Buffer.concat([
    Buffer.from(
      `DSSEv1 ${Buffer.byteLength(env.payloadType)} ${env.payloadType} ${payload.length} `,
    ),
    payload,
  ]);
  return env.signatures.some((s) => verify('sha256', pae, key, Buffer.from(s.sig, 'base64')));
}

/** One Markdown row per report. */
export function reportRow(r: ConcurrencyReport): string {
  const claimed = (f: 'cosign-v2' | 'cosign-v3') => r.kept[f] + r.lost[f];
  return `| ${r.registry} | ${Math.round(r.rate * 100)}% | ${r.rounds} × ${r.signers} | ${r.succeeded} ok, ${r.failed} failed | ${r.faults.faults} of ${r.faults.requests} | ${r.kept['cosign-v2']}/${claimed('cosign-v2')} | ${r.kept['cosign-v3']}/${claimed('cosign-v3')} | ${r.wallSeconds.toFixed(1)} |`;
}

export const REPORT_HEADER =
  '| registry | faults | rounds × signers | runs | faults injected / requests | .sig kept | bundles kept | wall s |\n| --- | --- | --- | --- | --- | --- | --- | --- |';
