/**
 * Adding one entry to a tag that many writers share (the cosign `.sig` image, the OCI referrers
 * tag `sha256-<hex>`) without losing anyone's entry. Design and reasoning: docs/signature-merge.md.
 *
 * One attempt: read → merge (what we read ∪ what we saw earlier ∪ ours; nothing read is ever
 * dropped) → prepare (blobs the manifest needs) → check the tag did not move while we prepared →
 * one PUT that the transport never re-sends (a re-sent body may be older than the tag by then;
 * every retry starts again from a fresh read) → confirm.
 * - Registries that honour `If-Match` on manifest PUT (probed once per registry by a PUT whose
 *   `If-Match` cannot match, remembered for the process): the PUT is conditional, a 412 means
 *   "read again", and a conditional success is final. No waiting.
 * - Registries that ignore it (distribution 2.8, go-containerregistry's registry): read after
 *   the PUT; when ours is there, look once more after a window sized from this attempt's own
 *   round trips (a writer that read before our PUT lands within about that long), then confirm.
 * Bounded in attempts and total time, abortable; when it cannot confirm it throws
 * `SharedTagError` and the caller reports the signature as not stored.
 */

import { backoffDelay } from '../util/backoff.js';
import { flushIdle } from '../util/idle.js';
import { sleep as abortableSleep, untilAborted } from '../util/sleep.js';
import {
  conditionalWriteSupport,
  PROBE_ETAG,
  rememberConditionalWrites,
} from './conditional-writes.js';
import { RegistryError } from './errors.js';
import { Freshness } from './freshness.js';
import { isTransient } from './retry.js';
import {
  SharedTagError,
  type SharedTagOptions,
  type SharedTagResult,
  type TagState,
  type WriteCondition,
  type WriteOutcome,
} from './shared-tag-types.js';

const MAX_REPAIRS = 4;
/** HEADs of the tag between one read and its PUT, counting those after a PUT left unsent. */
const MAX_CHECKS = 3;
/** Settle looks per confirmation while other writers keep changing the tag. */
const MAX_LOOKS = 4;

/**
 * Writers of this process not waiting in a settle window: when none is, the process is idle
 * until a window ends, and queued idle work runs (src/util/idle.ts) without delaying anyone's
 * read-to-PUT (which would cost a freshness HEAD, or worse).
 */
let writing = 0;

export async function addToSharedTag<E>(options: SharedTagOptions<E>): Promise<SharedTagResult> {
  writing++;
  try {
    return await addEntry(options);
  } finally {
    writing--;
  }
}

async function addEntry<E>(options: SharedTagOptions<E>): Promise<SharedTagResult> {
  const { store, key, ours, label, registry } = options;
  const now = options.now ?? Date.now;
  const pause = options.sleep ?? abortableSleep;
  const random = options.random ?? Math.random;
  const attempts = options.attempts ?? 12;
  const started = now();
  // Epoch ms (the transport's clock, not the injectable one): round trips of this writer's phase.
  const startedAt = Date.now();
  const budget = options.deadlineMs ?? 90_000;
  let deadline = started + budget;
  const floor = options.settleFloorMs ?? 50;
  const cap = options.settleCapMs ?? 2000;
  const contendedFloor = options.contendedSettleMs ?? 500;
  const freshMs = options.freshMs ?? 20;
  const ourKey = key(ours);
  // Everything we have seen at the tag: written back if a stale writer dropped it meanwhile.
  const seen = new Map<string, E>();
  let lastProblem = '';
  let failures = 0;
  let repairs = 0;
  let settledMs = 0;
  // Set once other writers were seen at work: their entries appeared after our first read, the
  // tag moved under us, or our entry was dropped. Lengthens the settle window (contendedFloor).
  let contended = false;
  let firstRead = true;
  let readyWaited = false;
  const freshness = new Freshness(freshMs, now, options.quickestRoundTripMs);

  /** Waits `ms` unless that passes the deadline; false when there is no time left. */
  const wait = async (ms: number): Promise<boolean> => {
    const left = deadline - now();
    if (left <= 0) return false;
    await pause(Math.min(ms, left), options.signal);
    return true;
  };
  const backoff = () =>
    backoffDelay(failures + 1, { baseDelayMs: 100, maxDelayMs: 2000, jitter: 'equal', random });
  /** Runs one registry step; a transient failure becomes `undefined` (the attempt starts over). */
  const step = async <T>(what: string, fn: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await fn();
    } catch (err) {
      if (!isTransient(err)) throw err;
      lastProblem = `${what}: ${err instanceof Error ? err.message : String(err)}`;
      failures++;
      return undefined;
    }
  };
  const missingSeen = (state: TagState<E>) => {
    const there = new Set(state.entries.map(key));
    return [...seen.keys()].some((k) => !there.has(k));
  };
  const remember = (state: TagState<E>) => {
    for (const e of state.entries) {
      if (seen.has(key(e))) continue;
      seen.set(key(e), e);
      if (!firstRead && key(e) !== ourKey) contended = true;
    }
    firstRead = false;
  };
  const has = (state: TagState<E>) => state.entries.some((e) => key(e) === ourKey);

  // Read with the write we wait for, not long before it (a rejection is `ready`'s to report).
  if (options.ready?.sending)
    await untilAborted(options.ready.sending, options.signal).catch(() => {});
  let attempt = 0;
  while (attempt < attempts) {
    if (options.signal?.aborted) throw options.signal.reason;
    if (now() >= deadline) break;
    attempt++;
    // When the read was sent, not answered: a process held up while the answer waited in its
    // socket resumes with a list as old as the request.
    const readAt = now();
    const state = await step('read', () => store.read());
    freshness.sample(readAt);
    if (options.ready && !readyWaited) {
      readyWaited = true;
      await untilAborted(options.ready, options.signal);
      // The time budget is for the update itself, not for what it waited on (a large layer).
      deadline = Math.max(deadline, now() + budget);
    }
    if (!state) {
      if (!(await wait(backoff()))) break;
      continue;
    }
    const stale = missingSeen(state);
    remember(state);
    if (has(state) && !stale) {
      // Ours is there (a previous attempt's PUT applied although its answer was lost, or an
      // earlier run): one settle look confirms it like any write of ours.
      const confirmed = await confirmOrRetry(state, 'already-present', 0);
      if (confirmed) return confirmed;
      continue;
    }
    if (has(state) && stale) repairs++;
    // Merge, never replace: every entry read (and seen before) stays, in its order; ours last.
    const merged = [...state.entries];
    const inMerged = new Set(merged.map(key));
    for (const [k, e] of seen) if (!inMerged.has(k)) merged.push(e);
    if (!merged.some((e) => key(e) === ourKey)) merged.push(ours);

    const cycleStart = now();
    const prepare = store.prepare?.bind(store);
    let sentRequests = false;
    const prepared = async () => {
      sentRequests = (await prepare?.(merged)) !== false;
      return true;
    };
    if (prepare && !(await step('prepare', prepared))) {
      if (!(await wait(backoff()))) break;
      continue;
    }
    let checkedAt = cycleStart;
    let lastSeenAt = readAt;
    const head = store.head?.bind(store);
    const support = conditionalWriteSupport(registry);
    const probing = support === undefined;
    const condition: WriteCondition = probing
      ? { ifMatch: PROBE_ETAG }
      : support && state.etag
        ? { ifMatch: state.etag }
        : support && state.digest === undefined
          ? { ifNoneMatch: '*' }
          : {};
    const conditional = 'ifMatch' in condition || 'ifNoneMatch' in condition;
    // Before the PUT, the tag must be known unchanged since our read, and recently: after
    // preparing (round trips), or when this process was held up since the read (a busy runner),
    // a HEAD checks it. The same rule is asked again where the PUT goes out (`sendIf`: after the
    // auth, queueing and connecting awaits, where a held-up process would otherwise send a list
    // older than the rule allows); a PUT left unsent for it is checked again. Bounded: a few
    // checks, then the PUT goes out anyway. A conditional write needs no fresh view.
    let check: 'fresh' | 'moved' | 'failed' = 'fresh';
    let checks = 0;
    let outcome: Exclude<WriteOutcome, { kind: 'not-sent' }> | undefined;
    for (;;) {
      for (; head && checks < MAX_CHECKS; checks++) {
        const due = (sentRequests && checks === 0) || !freshness.fresh(lastSeenAt);
        if (!due) break;
        checkedAt = now();
        const current = await step('check', async () => ({ digest: await head() }));
        freshness.sample(checkedAt);
        if (!current) check = 'failed';
        else if (current.digest !== state.digest) check = 'moved';
        if (check !== 'fresh') break;
        lastSeenAt = checkedAt;
      }
      if (check !== 'fresh') break;
      const seenAt = lastSeenAt;
      const sendIf =
        head && checks < MAX_CHECKS && (probing || !conditional)
          ? () => freshness.fresh(seenAt)
          : undefined;
      const written = await step('write', async () => {
        try {
          return await store.write(merged, condition, sendIf);
        } catch (err) {
          // A registry that refuses the condition header itself (400/405/501 to the probe) has
          // no conditional writes: remember that and write plainly.
          if (!probing || !(err instanceof RegistryError) || ![400, 405, 501].includes(err.status))
            throw err;
          rememberConditionalWrites(registry, false);
          return store.write(merged, {}, sendIf);
        }
      });
      if (written?.kind === 'not-sent') continue;
      outcome = written;
      break;
    }
    if (check === 'failed') {
      if (!(await wait(backoff()))) break;
      continue;
    }
    if (check === 'moved') {
      contended = true;
      lastProblem = 'the tag moved between our read and our write';
      continue;
    }
    if (!outcome) {
      if (!(await wait(backoff()))) break;
      continue;
    }
    if (outcome.kind === 'conflict') {
      if (probing) {
        rememberConditionalWrites(registry, true);
        attempt--; // the probe is not an attempt
        continue;
      }
      lastProblem = 'the tag changed between our read and our conditional write';
      if (!(await wait(random() * 20 * attempt))) break;
      continue;
    }
    if (outcome.kind === 'retry') {
      lastProblem = `write: ${outcome.reason}`;
      failures++;
      if (!(await wait(outcome.retryAfterMs ?? backoff()))) break;
      continue;
    }
    if (probing) rememberConditionalWrites(registry, false);
    if (conditional && !probing) {
      return {
        digest: outcome.digest,
        attempts: attempt,
        confirmedBy: 'conditional-write',
        settledMs,
      };
    }
    // Without conditional writes: read what the tag holds now (after every PUT, retried or not).
    // The settle window runs from the PUT's answer, the latest it can have applied: the
    // read-back's round trip is spent inside it, not before it.
    const answeredAt = now();
    const after = await step('verify', () => store.read());
    if (!after) {
      if (!(await wait(backoff()))) break;
      continue;
    }
    remember(after);
    if (!has(after)) {
      contended = true;
      lastProblem = 'another writer replaced the tag right after our write';
      continue;
    }
    if (after.digest !== outcome.digest) contended = true;
    const result = await confirmOrRetry(
      after,
      'read-after-settle',
      answeredAt - checkedAt,
      answeredAt,
    );
    if (result) return result;
  }
  const spent = ((now() - started) / 1000).toFixed(1);
  throw new SharedTagError(
    `could not confirm the signature in ${label} after ${attempt} attempts in ${spent} s${lastProblem ? ` (last: ${lastProblem})` : ''}; it may not be stored, so nothing was tagged: run the step again`,
    label,
  );

  /**
   * Looks again after a window a concurrent writer needs to land a PUT based on a read from
   * before ours (about our own check-to-PUT time; not counting any retry sleeps). The first
   * window is counted from `from` (our PUT's answer), each later one from the look before it.
   */
  async function confirmOrRetry(
    state: TagState<E>,
    how: SharedTagResult['confirmedBy'],
    cycleMs: number,
    from = now(),
  ): Promise<SharedTagResult | undefined> {
    if (conditionalWriteSupport(registry) === true && state.etag) {
      return { digest: state.digest ?? '', attempts: attempt, confirmedBy: how, settledMs };
    }
    // Uncontended: one look. Contended: look until the tag stays as it was for a whole
    // (longer) window, so a writer still on its way lands while we watch. Bounded.
    let previous = state.digest;
    for (let look = 0; look < MAX_LOOKS; look++) {
      const inFlight = freshMs + 2 * (options.roundTripMs?.(startedAt) ?? 0);
      const window = Math.min(
        cap,
        Math.max(contended ? contendedFloor : floor, 2 * cycleMs, inFlight),
      );
      const t = look === 0 ? from : now();
      writing--;
      if (writing === 0) flushIdle(); // every writer waits: nothing else to do until then
      const waited = await wait(Math.max(0, t + window - now())).finally(() => {
        writing++;
      });
      if (!waited) return undefined;
      settledMs += now() - t;
      const later = await step('confirm', () => store.read());
      if (!later) return undefined;
      const stale = missingSeen(later);
      remember(later);
      if (!has(later)) {
        contended = true;
        lastProblem = 'a concurrent writer dropped our entry after our write';
        return undefined;
      }
      if (stale && repairs < MAX_REPAIRS) {
        repairs++;
        return undefined; // write the dropped entries back (ours is kept)
      }
      const quiet = later.digest === previous;
      if (!quiet) contended = true;
      if (quiet || look === MAX_LOOKS - 1) {
        return { digest: later.digest ?? '', attempts: attempt, confirmedBy: how, settledMs };
      }
      previous = later.digest;
    }
    return undefined;
  }
}
