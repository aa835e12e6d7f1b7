// Seeded fault runs: the bundled entry points (publish unsigned and key-signed, push, tag, pull)
// under Node 24, through the fault proxy in front of the real registries, at 30 % and 10 % of
// requests faulted (every fault kind). After each run the registry is read directly:
// - every tag points at a manifest whose blobs (and, for indexes, child manifests) exist;
// - with signing, every tag points at a signed digest, and the signature's PUT came before the
//   first tag PUT of the run;
// - a failed run left every tag that existed before it where it was.
// Targets: each run completes or fails only after a request met its retry limit; 0 inconsistent
// registries; 0 runs over the deadline. FAULT_RUNS=<n> multiplies the runs (default 1: 24 runs).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { RegistryClient } from '../../src/oci/client.js';
import { parseRepository } from '../../src/oci/reference.js';
import { runAction } from '../harness/action.js';
import { type FaultyRegistry, startFaultyRegistry } from '../harness/fault-proxy.js';
import { toolPath } from '../harness/tools.js';

const TIMEOUT_S = 60; // the `timeout` input: idle limit 6 s (stalls and hangs last 10 s)
const SLACK_MS = 15_000; // Node start-up and the build, outside the registry deadline
const MULTIPLIER = Math.max(1, Number(process.env.FAULT_RUNS ?? 1));
const SHA = '9f2c4b1e8d7a6f5e4d3c2b1a0f9e8d7c6b5a4f3e';

type Scenario = 'publish' | 'publish-key' | 'push' | 'tag' | 'pull';
type Outcome = 'completed' | 'retry-limit' | 'other-failure';

interface Plan {
  registry: 'distribution' | 'referrers';
  scenario: Scenario;
  rate: number;
  runs: number;
}

// 16 runs by default (about 3 minutes); FAULT_RUNS multiplies them.
const PLANS: Plan[] = [
  ...(['publish', 'publish-key', 'push', 'tag', 'pull'] as const).flatMap((scenario) => [
    { registry: 'distribution' as const, scenario, rate: 0.3, runs: 2 },
    ...(scenario === 'push'
      ? []
      : [{ registry: 'distribution' as const, scenario, rate: 0.1, runs: 1 }]),
  ]),
  { registry: 'referrers', scenario: 'publish-key', rate: 0.3, runs: 1 },
  { registry: 'referrers', scenario: 'tag', rate: 0.3, runs: 1 },
];

interface Tally {
  runs: number;
  completed: number;
  retryLimit: number;
  other: number;
  inconsistent: number;
  overDeadline: number;
  faults: number;
  requests: number;
  slowestMs: number;
}
const tallies = new Map<string, Tally>();

function tally(key: string): Tally {
  let t = tallies.get(key);
  if (!t) {
    t = {
      runs: 0,
      completed: 0,
      retryLimit: 0,
      other: 0,
      inconsistent: 0,
      overDeadline: 0,
      faults: 0,
      requests: 0,
      slowestMs: 0,
    };
    tallies.set(key, t);
  }
  return t;
}

describe('fault runs through the proxy (bundled entry points)', () => {
  const regs: Partial<Record<Plan['registry'], FaultyRegistry>> = {};
  let ws: string;
  let key: string;
  const KEY_PASSWORD = 'fault-run-pass';

  before(async () => {
    regs.distribution = await startFaultyRegistry({}, { seed: 1, stallMs: 10_000, hangMs: 10_000 });
    regs.referrers = await startFaultyRegistry(
      { referrers: true },
      { seed: 1, stallMs: 10_000, hangMs: 10_000 },
    );
    ws = mkdtempSync(join(tmpdir(), 'fault-ws-'));
    mkdirSync(join(ws, 'deploy'), { recursive: true });
    const keyDir = mkdtempSync(join(tmpdir(), 'fault-key-'));
    await new Promise<void>((resolve, reject) =>
      execFile(
        toolPath('cosign2'),
        ['generate-key-pair'],
        {
          cwd: keyDir,
          env: { PATH: process.env.PATH ?? '', HOME: keyDir, COSIGN_PASSWORD: KEY_PASSWORD },
        },
        (err, o, e) => (err ? reject(new Error(`${o}${e}`)) : resolve()),
      ),
    );
    key = readFileSync(join(keyDir, 'cosign.key'), 'utf8');
    rmSync(keyDir, { recursive: true, force: true });
  });

  after(async () => {
    await regs.distribution?.stop();
    await regs.referrers?.stop();
    if (ws) rmSync(ws, { recursive: true, force: true });
    const lines = [...tallies].map(
      ([k, t]) =>
        `${k}: ${t.runs} runs, ${t.completed} completed, ${t.retryLimit} failed at a retry limit, ${t.other} other failures, ${t.inconsistent} inconsistent, ${t.overDeadline} over the deadline; ${t.faults} faults in ${t.requests} requests; slowest ${(t.slowestMs / 1000).toFixed(1)} s`,
    );
    console.log(`fault runs:\n  ${lines.join('\n  ')}`);
  });

  let seed = 1000;
  for (const plan of PLANS) {
    const runs = plan.runs * MULTIPLIER;
    test(`${plan.registry} ${plan.scenario} at ${plan.rate * 100}%: ${runs} seeded runs`, async () => {
      const reg = regs[plan.registry]!;
      const repoPath = `faults/${plan.scenario}-${plan.rate * 100}`;
      const repo = `${reg.host}/${repoPath}`;
      const direct = new RegistryClient(parseRepository(`${reg.direct}/${repoPath}`), {
        retry: { maxAttempts: 1 },
      });
      const t = tally(`${plan.registry} ${plan.scenario} @${plan.rate * 100}%`);
      const problems: string[] = [];

      // The tag and pull runs need an artifact to start from (published without faults).
      if (plan.scenario === 'tag' || plan.scenario === 'pull') {
        reg.proxy.setRules([]);
        const r = await publishRun(repo, 0, 'latest', { sign: 'false' });
        assert.equal(r.exitCode, 0, r.stdout);
        const o = await publishRun(repo, 1, 'other', { sign: 'false' });
        assert.equal(o.exitCode, 0, o.stdout);
      }

      for (let i = 0; i < runs; i++) {
        const runSeed = seed++;
        const before = await tagState(direct);
        reg.proxy.reseed(runSeed);
        reg.proxy.setRules([{ rate: plan.rate }]);
        const historyFrom = reg.proxy.history().at(-1)?.seq ?? 0;
        const c0 = reg.proxy.counters();
        const started = Date.now();
        const r = await runScenario(plan.scenario, repo, runSeed, i);
        const took = Date.now() - started;
        reg.proxy.setRules([]);
        const c1 = reg.proxy.counters();
        t.runs++;
        t.faults += c1.faults - c0.faults;
        t.requests += c1.requests - c0.requests;
        t.slowestMs = Math.max(t.slowestMs, took);
        const label = `seed ${runSeed} (${plan.scenario} #${i})`;

        const outcome = classify(r);
        if (outcome === 'completed') t.completed++;
        else if (outcome === 'retry-limit') t.retryLimit++;
        else {
          t.other++;
          problems.push(
            `${label}: failed without meeting a retry limit: ${r.errors.join(' | ') || r.stdout.slice(-2000)}`,
          );
        }
        if (took > TIMEOUT_S * 1000 + SLACK_MS) {
          t.overDeadline++;
          problems.push(`${label}: took ${took} ms`);
        }
        for (const e of r.errors) {
          if (/unexpected error|cannot reach registry/.test(e))
            problems.push(`${label}: message: ${e}`);
        }

        const after = await tagState(direct);
        const broken = await inconsistencies(direct, after, plan.scenario === 'publish-key');
        if (outcome !== 'completed') {
          for (const [tag, digest] of before) {
            if (after.get(tag) !== digest)
              broken.push(`failed run moved ${tag} from ${digest} to ${after.get(tag)}`);
          }
        }
        if (plan.scenario === 'publish-key') {
          broken.push(
            ...signedBeforeTagged(reg.proxy.history().filter((h) => h.seq > historyFrom)),
          );
        }
        if (broken.length > 0) {
          t.inconsistent++;
          problems.push(`${label}: ${broken.join('; ')}`);
        }
      }
      assert.deepEqual(problems, []);
    });
  }

  function publishRun(repo: string, n: number, tags: string, extra: Record<string, string> = {}) {
    writeFileSync(join(ws, 'deploy', 'run.yaml'), `run: ${n}\n`);
    return runAction('publish', {
      inputs: { repository: repo, path: 'deploy', tags, timeout: `${TIMEOUT_S}s`, ...extra },
      event: {
        ref: 'refs/heads/main',
        head_commit: { id: SHA, timestamp: '2026-11-20T14:03:07Z' },
      },
      workspace: ws,
      timeoutMs: TIMEOUT_S * 1000 + 60_000,
    });
  }

  function runScenario(s: Scenario, repo: string, runSeed: number, i: number) {
    const common = { repository: repo, timeout: `${TIMEOUT_S}s` };
    switch (s) {
      case 'publish':
        return publishRun(repo, runSeed, `latest\nrun-${i}\nstable`, { sign: 'false' });
      case 'publish-key':
        return publishRun(repo, runSeed, `latest\nrun-${i}`, {
          'cosign-key': key,
          'cosign-key-password': KEY_PASSWORD,
          // Both formats: the consistency check looks for the .sig (shared tag, the merge at risk).
          'signature-format': 'both',
        });
      case 'push':
        writeFileSync(join(ws, 'deploy', 'run.yaml'), `push: ${runSeed}\n`);
        return runAction('push', {
          inputs: { ...common, path: 'deploy', tags: `latest\npush-${i}` },
          event: {
            ref: 'refs/heads/main',
            head_commit: { id: SHA, timestamp: '2026-11-20T14:03:07Z' },
          },
          workspace: ws,
          timeoutMs: TIMEOUT_S * 1000 + 60_000,
        });
      case 'tag':
        // Alternate between two artifacts so `stable` and `prod` really move.
        return runAction('tag', {
          inputs: {
            ...common,
            ref: i % 2 === 0 ? 'latest' : 'other',
            tags: `stable\nprod\npromoted-${i}`,
          },
          workspace: ws,
          timeoutMs: TIMEOUT_S * 1000 + 60_000,
        });
      case 'pull': {
        const out = `pulled-${runSeed}`;
        return runAction('pull', {
          inputs: { ...common, ref: 'latest', output: out },
          workspace: ws,
          timeoutMs: TIMEOUT_S * 1000 + 60_000,
        }).then((r) => {
          if (r.exitCode === 0) {
            const text = readFileSync(join(ws, out, 'run.yaml'), 'utf8');
            if (!/^run: \d+\n$/.test(text))
              r.errors.push(`pulled run.yaml is ${JSON.stringify(text)}`);
            r.exitCode = r.errors.length > 0 ? 1 : 0;
          }
          rmSync(join(ws, out), { recursive: true, force: true });
          return r;
        });
      }
    }
  }
});

function classify(r: { exitCode: number; errors: string[] }): Outcome {
  if (r.exitCode === 0) return 'completed';
  return r.errors.length === 1 && /retry limit reached/.test(r.errors[0] ?? '')
    ? 'retry-limit'
    : 'other-failure';
}

async function tagState(c: RegistryClient): Promise<Map<string, string>> {
  const state = new Map<string, string>();
  for (const tag of await c.listTags()) {
    const d = await c.headManifest(tag);
    if (d) state.set(tag, d.digest);
  }
  return state;
}

/** Every tag → a manifest whose blobs exist; with `signed`, every user tag's digest has a `.sig`. */
async function inconsistencies(
  c: RegistryClient,
  state: Map<string, string>,
  signed: boolean,
): Promise<string[]> {
  const out: string[] = [];
  const checked = new Set<string>();
  const check = async (ref: string, label: string): Promise<void> => {
    if (checked.has(ref)) return;
    checked.add(ref);
    const m = await c.getManifest(ref).catch((e: Error) => {
      out.push(`${label}: manifest ${ref}: ${e.message}`);
      return undefined;
    });
    if (!m) return;
    const doc = JSON.parse(m.bytes.toString()) as {
      config?: { digest: string };
      layers?: { digest: string }[];
      manifests?: { digest: string }[];
    };
    for (const b of [doc.config, ...(doc.layers ?? [])]) {
      if (b && !(await c.blobExists(b.digest))) out.push(`${label}: blob ${b.digest} missing`);
    }
    for (const child of doc.manifests ?? [])
      await check(child.digest, `${label} → ${child.digest}`);
  };
  for (const [tag, digest] of state) {
    await check(digest, `tag ${tag}`);
    const userTag = !/^sha256-[a-f0-9]{64}(\.sig)?$/.test(tag);
    if (signed && userTag) {
      const sig = `sha256-${digest.slice('sha256:'.length)}.sig`;
      if (!state.has(sig)) out.push(`tag ${tag} points at ${digest}, which has no ${sig}`);
    }
  }
  return out;
}

/** In one run's requests: a `.sig` manifest stored (2xx) before the first user tag was. */
function signedBeforeTagged(history: ReturnType<FaultyRegistry['proxy']['history']>): string[] {
  const put = (h: (typeof history)[number]) =>
    h.method === 'PUT' && h.status !== undefined && h.status < 300 && /\/manifests\//.test(h.path);
  const firstSig = history.findIndex(
    (h) => put(h) && /\/manifests\/sha256-[a-f0-9]{64}\.sig$/.test(h.path),
  );
  const firstTag = history.findIndex(
    (h) => put(h) && /\/manifests\/(latest|run-\d+)$/.test(h.path),
  );
  if (firstTag >= 0 && (firstSig < 0 || firstSig > firstTag))
    return ['a tag was stored before the signature'];
  return [];
}

describe('deadline and stalls (bundled entry points)', () => {
  let reg: FaultyRegistry;
  let ws: string;
  before(async () => {
    reg = await startFaultyRegistry({}, { seed: 3, stallMs: 30_000, hangMs: 30_000 });
    ws = mkdtempSync(join(tmpdir(), 'deadline-ws-'));
    mkdirSync(join(ws, 'deploy'));
    writeFileSync(join(ws, 'deploy', 'a.yaml'), 'a: 1\n');
  });
  after(async () => {
    await reg?.stop();
    if (ws) rmSync(ws, { recursive: true, force: true });
  });

  test('a registry that hangs: the step stops at its timeout, naming registry, operation and input', async () => {
    reg.proxy.setRules([{ rate: 1, faults: ['hang'] }]);
    const started = Date.now();
    const r = await runAction('push', {
      inputs: {
        repository: `${reg.host}/deadline/app`,
        path: 'deploy',
        tags: 'latest',
        timeout: '5s',
      },
      workspace: ws,
    });
    const took = Date.now() - started;
    reg.proxy.setRules([]);
    assert.equal(r.exitCode, 1);
    assert.equal(r.errors.length, 1, r.stdout);
    assert.match(
      r.errors[0] ?? '',
      new RegExp(
        `^registry ${reg.host}: HEAD blob sha256:[a-f0-9]{64}: not done within the deadline of 5 s.*: raise the timeout input`,
      ),
    );
    assert.ok(took < 5000 + SLACK_MS, `took ${took} ms`);
  });

  test('a body that stalls on every attempt: retried, then one line naming the stall', async () => {
    const push = await runAction('push', {
      inputs: { repository: `${reg.host}/deadline/app`, path: 'deploy', tags: 'latest' },
      workspace: ws,
    });
    assert.equal(push.exitCode, 0, push.stdout);
    reg.proxy.setRules([
      { method: 'GET', path: /\/manifests\/latest$/, rate: 1, faults: ['stallMidBody'] },
    ]);
    const r = await runAction('pull', {
      inputs: {
        repository: `${reg.host}/deadline/app`,
        ref: 'latest',
        output: 'out',
        timeout: '40s',
      },
      workspace: ws,
    });
    reg.proxy.setRules([]);
    assert.equal(r.exitCode, 1);
    assert.equal(r.errors.length, 1, r.stdout);
    assert.match(
      r.errors[0] ?? '',
      new RegExp(
        `^registry ${reg.host}: GET manifest latest: no data for 4 s \\(ETIMEDOUT\\), after 5 attempts \\(retry limit reached\\): the registry stopped sending`,
      ),
    );
    assert.doesNotMatch(r.errors[0] ?? '', /cannot reach|host and port|unexpected error/);
  });
});
