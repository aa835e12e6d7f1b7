// N concurrent key signers on one digest, several rounds, through the fault proxy in front of
// distribution and the referrers-API registry, with and without faults: signatures kept and
// the wall time (a regression in waiting shows here). Same harness as test/e2e/signing-faults.
// Usage: node --import tsx bench/concurrency.ts [--signers 8] [--rounds 5] [--seed 1]
//        [--entry publish]   (concurrent publishes of one tree instead of sign runs of one push)
//        [--entry cosign]    (the same sign race run by the real cosign CLI: what it keeps)
//        [--rtt MS]          (the registry MS of round trip away: fault-proxy latency)
import {
  REPORT_HEADER,
  reportRow,
  runConcurrentSigning,
} from '../test/harness/concurrent-signing.js';
import { flag } from './args.js';

const signers = Number(flag('--signers', '8'));
const rounds = Number(flag('--rounds', '5'));
const seed = Number(flag('--seed', '1'));
const entryFlag = flag('--entry', 'sign');
const rtt = Number(flag('--rtt', '0'));
const entry = entryFlag === 'publish' || entryFlag === 'cosign' ? entryFlag : 'sign';

const rows: string[] = [];
for (const referrers of [false, true]) {
  for (const rate of [0, 0.1, 0.3]) {
    const r = await runConcurrentSigning({
      referrers,
      rate,
      signers,
      rounds,
      seed: seed + rate * 10,
      entry,
      rttMs: rtt,
    });
    rows.push(reportRow(r));
    console.error(reportRow(r), r.failures.slice(0, 3).join(' | '));
    if (r.lostRuns.length)
      console.error('lost (round, signer, format):', JSON.stringify(r.lostRuns));
  }
}
console.log(
  `Concurrent signing (${entry}), ${rounds} rounds × ${signers} signers (seed ${seed}${rtt ? `, registry ${rtt} ms of round trip away` : ''})\n`,
);
console.log(REPORT_HEADER);
for (const row of rows) console.log(row);
