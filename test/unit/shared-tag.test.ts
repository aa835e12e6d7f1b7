// The shared-tag merge's decisions (src/oci/shared-tag.ts), on an in-memory last-writer-wins
// tag with a virtual clock, so each interleaving is exact: a delayed PUT arriving last, a 412 on
// a conditional PUT, a writer that disappears, PUTs whose answer is lost, retries that must not
// re-send an older list, and the bounds on attempts, time and waiting.
import assert from 'node:assert/strict';
import { beforeEach, test } from 'node:test';
import {
  conditionalWriteSupport,
  forgetConditionalWriteSupport,
} from '../../src/oci/conditional-writes.js';
import { type NetworkFailure, RegistryError, RegistryNetworkError } from '../../src/oci/errors.js';
import { isTransient } from '../../src/oci/retry.js';
import { addToSharedTag } from '../../src/oci/shared-tag.js';
import {
  SharedTagError,
  type SharedTagOptions,
  type SharedTagStore,
  type WriteCondition,
  type WriteOutcome,
} from '../../src/oci/shared-tag-types.js';

/** Virtual time: `sleep` and every registry round trip advance it and run due events. */
class Clock {
  t = 0;
  private events: { at: number; fn: () => void }[] = [];
  slept: number[] = [];
  now = () => this.t;
  at(at: number, fn: () => void) {
    this.events.push({ at, fn });
    this.events.sort((a, b) => a.at - b.at);
  }
  advance(ms: number) {
    const until = this.t + ms;
    for (;;) {
      const next = this.events[0];
      if (!next || next.at > until) break;
      this.events.shift();
      this.t = Math.max(this.t, next.at);
      next.fn();
    }
    this.t = until;
  }
  sleep = async (ms: number, signal?: AbortSignal) => {
    if (signal?.aborted) throw signal.reason;
    this.slept.push(ms);
    this.advance(ms);
  };
}

/** A tag of string entries; `conditional` makes it honour If-Match / If-None-Match. */
class Tag {
  entries: string[] = [];
  version = 0;
  writes: string[][] = [];
  constructor(
    readonly clock: Clock,
    readonly conditional = false,
    readonly rtt = 2,
  ) {}
  get digest() {
    return this.version === 0 ? undefined : `sha256:v${this.version}`;
  }
  put(entries: string[]) {
    this.entries = [...entries];
    this.version++;
    this.writes.push([...entries]);
  }
  /**
   * A store for one writer; `faults` replaces the outcome of its n-th write (0-based).
   * `beforeSend(n)` runs when its n-th PUT is on its way out (a hold-up there); then its `sendIf`
   * is asked (`sendIfs`: each answer, `undefined` when the PUT had none).
   */
  store(
    faults: Record<number, 'lost-answer' | '503' | 'reset-before'> = {},
    beforeSend?: (n: number) => void,
  ): SharedTagStore<string> & { written: string[][]; sendIfs: (boolean | undefined)[] } {
    let n = 0;
    const written: string[][] = [];
    const sendIfs: (boolean | undefined)[] = [];
    return {
      written,
      sendIfs,
      read: async () => {
        this.clock.advance(this.rtt);
        const d = this.digest;
        return {
          entries: [...this.entries],
          ...(d ? { digest: d, etag: `"${d}"` } : {}),
        };
      },
      head: async () => {
        this.clock.advance(this.rtt);
        return this.digest;
      },
      prepare: async () => {
        this.clock.advance(this.rtt);
      },
      write: async (
        entries: string[],
        condition: WriteCondition,
        sendIf?: () => boolean,
      ): Promise<WriteOutcome> => {
        beforeSend?.(sendIfs.length);
        const answer = sendIf?.();
        sendIfs.push(answer);
        if (answer === false) return { kind: 'not-sent' };
        this.clock.advance(this.rtt);
        const fault = faults[n++];
        if (fault === '503') return { kind: 'retry', retryAfterMs: 1000, reason: '503' };
        if (fault === 'reset-before')
          throw Object.assign(new Error('reset'), { code: 'ECONNRESET' });
        if (this.conditional) {
          if ('ifMatch' in condition && condition.ifMatch !== `"${this.digest}"`)
            return { kind: 'conflict' };
          if ('ifNoneMatch' in condition && this.digest !== undefined) return { kind: 'conflict' };
        }
        written.push([...entries]);
        this.put(entries);
        if (fault === 'lost-answer')
          throw Object.assign(new Error('reset'), { code: 'ECONNRESET' });
        return { kind: 'written', digest: this.digest ?? '' };
      },
    };
  }
}

let registry = 0;
function options(
  clock: Clock,
  store: SharedTagStore<string>,
  ours: string,
  extra: Partial<SharedTagOptions<string>> = {},
): SharedTagOptions<string> {
  return {
    store,
    key: (e) => e,
    ours,
    label: 'registry.test/org/app:sha256-abc.sig',
    registry: `registry-${++registry}.test`,
    now: clock.now,
    sleep: clock.sleep,
    random: () => 0.5,
    ...extra,
  };
}

beforeEach(() => forgetConditionalWriteSupport());

test('a single writer merges into what is there and confirms after one short look', async () => {
  const clock = new Clock();
  const tag = new Tag(clock);
  tag.put(['theirs']);
  const store = tag.store();
  const result = await addToSharedTag(options(clock, store, 'ours'));
  assert.deepEqual(tag.entries, ['theirs', 'ours']);
  assert.equal(result.confirmedBy, 'read-after-settle');
  assert.equal(result.attempts, 1);
  // One settle window, from the floor and counted from the PUT's answer (the read-back's 2 ms
  // round trip is spent inside it): no fixed 200 ms, no second look.
  assert.deepEqual(clock.slept, [50 - tag.rtt]);
  assert.equal(result.settledMs, 50);
  assert.equal(store.written.length, 1);
});

test('the settle window runs from the PUT answer: a slow read-back is spent inside it, and a PUT landing within the window is still seen', async () => {
  const clock = new Clock();
  const tag = new Tag(clock);
  tag.put(['a']);
  const inner = tag.store();
  let reads = 0;
  let answeredAt = 0;
  let lookAt = 0;
  const store: SharedTagStore<string> = {
    ...inner,
    read: async () => {
      reads++;
      if (reads === 2) clock.advance(30); // the read-back after our PUT is slow
      if (reads === 3) lookAt = clock.t; // the first settle look
      return inner.read();
    },
    write: async (entries, condition, sendIf) => {
      const outcome = await inner.write(entries, condition, sendIf);
      if (answeredAt) return outcome;
      answeredAt = clock.t;
      // A writer that read ['a'] before our first PUT applied lands 45 ms after its answer.
      clock.at(answeredAt + 45, () => tag.put(['a', 'late']));
      return outcome;
    },
  };
  const result = await addToSharedTag(options(clock, store, 'ours'));
  // 30 + 2 ms of read-back, then 18 ms more: the first look goes out 50 ms after the answer.
  assert.equal(clock.slept[0], 50 - 30 - tag.rtt);
  assert.ok(lookAt >= answeredAt + 50, `look at ${lookAt}, answer at ${answeredAt}`);
  assert.deepEqual([...tag.entries].sort(), ['a', 'late', 'ours']);
  assert.ok(result.attempts >= 2);
});

test('a delayed PUT of another writer arriving after our write is seen and merged again', async () => {
  const clock = new Clock();
  const tag = new Tag(clock);
  tag.put(['a']);
  // Writer B read ['a'] before our PUT; its PUT of ['a', 'b'] lands after our verify read,
  // inside our settle window, and drops our entry.
  clock.at(20, () => tag.put(['a', 'b']));
  const store = tag.store();
  const result = await addToSharedTag(options(clock, store, 'ours'));
  assert.equal(result.attempts, 2);
  assert.deepEqual(tag.entries, ['a', 'b', 'ours']);
  // Our second write kept B's entry: merge, never replace.
  assert.deepEqual(store.written.at(-1), ['a', 'b', 'ours']);
});

test('entries we saw are written back when a stale writer dropped them (repair)', async () => {
  const clock = new Clock();
  const tag = new Tag(clock);
  tag.put(['a', 'c']);
  // A stale writer (read before 'c' landed) puts ['a', 'b'], dropping 'c', while we settle.
  clock.at(20, () => tag.put(['a', 'b']));
  const result = await addToSharedTag(options(clock, tag.store(), 'ours'));
  assert.ok(result.attempts >= 2);
  assert.deepEqual(tag.entries, ['a', 'b', 'c', 'ours']);
});

test('a 412 on a conditional PUT reads and merges again; a conditional success is final, without waiting', async () => {
  const clock = new Clock();
  const tag = new Tag(clock, true);
  tag.put(['a']);
  let sneaked = false;
  const inner = tag.store();
  const store: SharedTagStore<string> = {
    ...inner,
    write: async (entries, condition) => {
      // Another writer gets in between our read and our first real conditional PUT.
      if (
        'ifMatch' in condition &&
        condition.ifMatch !== '"flux-oci-action-conditional-write-probe"' &&
        !sneaked
      ) {
        sneaked = true;
        tag.put([...tag.entries, 'other']);
      }
      return inner.write(entries, condition);
    },
  };
  const opts = options(clock, store, 'ours');
  const result = await addToSharedTag(opts);
  assert.equal(
    conditionalWriteSupport(opts.registry),
    true,
    'the probe learnt If-Match is honoured',
  );
  assert.equal(result.confirmedBy, 'conditional-write');
  assert.deepEqual(tag.entries, ['a', 'other', 'ours']);
  assert.equal(result.settledMs, 0);
  assert.ok(
    clock.slept.every((ms) => ms <= 20),
    `only jitter after the 412: ${clock.slept}`,
  );
});

test('a registry that ignores If-Match is remembered as such after the first write', async () => {
  const clock = new Clock();
  const tag = new Tag(clock, false);
  const opts = options(clock, tag.store(), 'one');
  await addToSharedTag(opts);
  assert.equal(conditionalWriteSupport(opts.registry), false);
  await addToSharedTag({ ...opts, store: tag.store(), ours: 'two' });
  assert.deepEqual(tag.entries, ['one', 'two']);
});

test('a writer that disappears after reading holds nobody up; one whose stale PUT lands later is repaired', async () => {
  const clock = new Clock();
  const tag = new Tag(clock);
  // Writer X read [] at t=0 and vanished (crashed) before writing: nothing to wait for.
  const first = await addToSharedTag(options(clock, tag.store(), 'ours'));
  assert.equal(first.attempts, 1);
  // Writer Y read [] long ago and its PUT of ['y'] finally lands during our settle look.
  const clock2 = new Clock();
  const tag2 = new Tag(clock2);
  clock2.at(15, () => tag2.put(['y']));
  const second = await addToSharedTag(options(clock2, tag2.store(), 'ours'));
  assert.deepEqual(tag2.entries, ['y', 'ours']);
  assert.equal(second.attempts, 2);
});

test('a PUT answered 503 is never re-sent: the next attempt reads and merges what landed meanwhile', async () => {
  const clock = new Clock();
  const tag = new Tag(clock);
  tag.put(['a']);
  // While we wait out Retry-After, another writer adds 'b'.
  clock.at(500, () => tag.put(['a', 'b']));
  const store = tag.store({ 0: '503' });
  const result = await addToSharedTag(options(clock, store, 'ours'));
  assert.deepEqual(store.written, [['a', 'b', 'ours']], 'no write of the older list');
  assert.deepEqual(tag.entries, ['a', 'b', 'ours']);
  // The settle window is not sized from the retry sleep (1 s): 'b' showed another writer at
  // work, so it is the contended floor (500 ms), once: the tag stayed quiet during it.
  assert.equal(result.settledMs, 500);
});

test('contended: a stale PUT landing 300 ms after our confirmed-looking write is caught and repaired', async () => {
  const clock = new Clock();
  const tag = new Tag(clock);
  tag.put(['a']);
  // B merges properly (keeps ours) while we settle: other writers are at work. C read ['a']
  // long ago (a descheduled process) and its PUT of ['a', 'c'] lands 300 ms later, dropping
  // ours and b. With one 50 ms look we would have confirmed before C landed, and lost ours.
  clock.at(12, () => tag.put([...tag.entries, 'b']));
  clock.at(300, () => tag.put(['a', 'c']));
  const result = await addToSharedTag(options(clock, tag.store(), 'ours'));
  assert.deepEqual([...tag.entries].sort(), ['a', 'b', 'c', 'ours']);
  assert.ok(result.attempts >= 2, `attempts ${result.attempts}`);
});

test('uncontended: one short look, however long the window would be when contended', async () => {
  const clock = new Clock();
  const tag = new Tag(clock);
  tag.put(['a']);
  const result = await addToSharedTag(options(clock, tag.store(), 'ours'));
  assert.equal(result.settledMs, 50);
});

test('a read that went stale before the PUT (a held-up process) is checked with a HEAD first', async () => {
  const clock = new Clock();
  const tag = new Tag(clock);
  tag.put(['a']);
  const inner = tag.store();
  let heads = 0;
  let reads = 0;
  const store: SharedTagStore<string> = {
    read: async () => {
      const state = await inner.read();
      // The first time, this process is held up for 200 ms after its read, and another
      // writer's PUT lands meanwhile.
      if (reads++ === 0) {
        tag.put(['a', 'b']);
        clock.advance(200);
      }
      return state;
    },
    head: async () => {
      heads++;
      return inner.head?.();
    },
    write: inner.write,
  };
  await addToSharedTag(options(clock, store, 'ours'));
  assert.ok(heads >= 1, 'checked before writing');
  // The stale list ['a', 'ours'] was never written: b was kept.
  assert.ok(
    tag.writes.every((w) => w.includes('b') || !w.includes('ours')),
    JSON.stringify(tag.writes),
  );
  assert.deepEqual(tag.entries, ['a', 'b', 'ours']);
});

test('a first read as slow as the registry (a remote one) needs no HEAD once its round trip is known from earlier answers', async () => {
  for (const known of [undefined, 40]) {
    const clock = new Clock();
    const tag = new Tag(clock, false, 40);
    tag.put(['a']);
    const inner = tag.store();
    let heads = 0;
    const store: SharedTagStore<string> = {
      read: inner.read,
      write: inner.write,
      head: async () => {
        heads++;
        return inner.head?.();
      },
    };
    await addToSharedTag(options(clock, store, 'ours', { quickestRoundTripMs: () => known }));
    assert.deepEqual(tag.entries, ['a', 'ours']);
    // A 40 ms read is older than freshMs (20) by the time it is written over: without a known
    // round trip that costs a HEAD; with one, 20 + 2 × 40 ms covers it.
    assert.equal(heads, known === undefined ? 1 : 0, `known ${known}`);
  }
});

test('a PUT held up on its way out (after the HEAD) is not sent stale: sendIf says no, the tag is checked again', async () => {
  const clock = new Clock();
  const tag = new Tag(clock);
  tag.put(['a']);
  // The first PUT is held up between the writer's checks and the socket for 200 ms (a busy
  // runner, a token request, a queued connection); another writer's PUT lands meanwhile.
  const store = tag.store({}, (n) => {
    if (n > 0) return;
    tag.put(['a', 'b']);
    clock.advance(200);
  });
  const result = await addToSharedTag(options(clock, store, 'ours'));
  assert.equal(store.sendIfs[0], false, 'asked where it goes out, and refused');
  assert.ok(
    tag.writes.every((w) => w.includes('b') || !w.includes('ours')),
    `the stale list was never written: ${JSON.stringify(tag.writes)}`,
  );
  assert.deepEqual(tag.entries, ['a', 'b', 'ours']);
  assert.equal(result.attempts, 2, 'the HEAD saw the tag moved: merged again');
});

test('sendIf is bounded: a PUT refused on its way out every time goes out after the checks', async () => {
  const clock = new Clock();
  const tag = new Tag(clock);
  tag.put(['a']);
  // Always held up longer than the freshness rule allows.
  const store = tag.store({}, () => clock.advance(200));
  await addToSharedTag(options(clock, store, 'ours'));
  // Its blob upload (prepare) sent requests: HEADed before the first PUT, then after each refusal.
  assert.deepEqual(store.sendIfs, [false, false, undefined]);
  assert.deepEqual(tag.entries, ['a', 'ours']);
});

test('a PUT that applied but whose answer was lost is found on the next read', async () => {
  const clock = new Clock();
  const tag = new Tag(clock);
  const store = tag.store({ 0: 'lost-answer' });
  const result = await addToSharedTag(options(clock, store, 'ours'));
  assert.equal(result.confirmedBy, 'already-present');
  assert.equal(store.written.length, 1, 'not written twice');
  assert.deepEqual(tag.entries, ['ours']);
});

test('a write found present after its answer was lost waits as long as a concurrent PUT may be in flight', async () => {
  // A slow registry (100 ms round trips, e.g. a busy runner). Our PUT applies at t=400 but its
  // answer is lost; the next read (t=575) finds our entry. Writer B saw the tag just before our
  // PUT applied, so its list lacks ours; its PUT goes out within freshMs + 2 round trips of its
  // read and lands at t=750. A 50 ms look (read answered at t=725) would confirm before B lands
  // and B would drop our entry; a window of freshMs + 2 × 100 ms sees B and merges again.
  const clock = new Clock();
  const tag = new Tag(clock, false, 100);
  clock.at(750, () => tag.put(['b']));
  const store = tag.store({ 0: 'lost-answer' });
  const result = await addToSharedTag(
    options(clock, store, 'ours', { roundTripMs: () => tag.rtt }),
  );
  assert.deepEqual(tag.entries, ['b', 'ours'], JSON.stringify(tag.writes));
  assert.ok(result.attempts >= 3, `merged again after B landed: ${result.attempts}`);
  assert.ok(clock.slept.includes(220), `the window covers a PUT in flight: ${clock.slept}`);
});

test('on a fast registry the round-trip bound adds nothing: one 50 ms look', async () => {
  const clock = new Clock();
  const tag = new Tag(clock);
  tag.put(['theirs']);
  await addToSharedTag(options(clock, tag.store(), 'ours', { roundTripMs: () => tag.rtt }));
  assert.deepEqual(clock.slept, [50 - tag.rtt]); // counted from the PUT's answer
});

test('when the tag moves between prepare and PUT, the attempt merges again instead of writing', async () => {
  const clock = new Clock();
  const tag = new Tag(clock);
  tag.put(['a']);
  const inner = tag.store();
  let once = false;
  const store: SharedTagStore<string> = {
    ...inner,
    prepare: async (entries) => {
      await inner.prepare?.(entries);
      if (!once) {
        once = true;
        tag.put(['a', 'b']);
      }
    },
  };
  await addToSharedTag(options(clock, store, 'ours'));
  assert.deepEqual(tag.writes.slice(1), [
    ['a', 'b'],
    ['a', 'b', 'ours'],
  ]);
});

test('a prepare that sent nothing (stored beforehand) skips the HEAD check; one that sent requests keeps it', async () => {
  const clock = new Clock();
  const tag = new Tag(clock);
  const inner = tag.store();
  const calls: string[] = [];
  let sent = false;
  const store: SharedTagStore<string> = {
    ...inner,
    head: async () => {
      calls.push('head');
      return inner.head?.();
    },
    prepare: async () => {
      calls.push('prepare');
      return sent; // false: stored already, no round trip
    },
    write: async (entries, condition) => {
      calls.push('write');
      return inner.write(entries, condition);
    },
  };
  await addToSharedTag(options(clock, store, 'ours'));
  assert.deepEqual(calls, ['prepare', 'write']);
  assert.deepEqual(tag.entries, ['ours']);
  calls.length = 0;
  sent = true;
  await addToSharedTag(options(clock, store, 'second'));
  assert.deepEqual(calls, ['prepare', 'head', 'write']);
  assert.deepEqual(tag.entries, ['ours', 'second']);
});

test('bounded: a writer that always clobbers us ends in SharedTagError after the attempts', async () => {
  const clock = new Clock();
  const tag = new Tag(clock);
  const inner = tag.store();
  const store: SharedTagStore<string> = {
    ...inner,
    write: async (entries, condition) => {
      const out = await inner.write(entries, condition);
      tag.put(['clobber']);
      return out;
    },
  };
  await assert.rejects(addToSharedTag(options(clock, store, 'ours', { attempts: 5 })), (err) => {
    assert.ok(err instanceof SharedTagError);
    assert.match(
      err.message,
      /could not confirm the signature in registry\.test\/org\/app:sha256-abc\.sig after 5 attempts/,
    );
    assert.match(err.message, /nothing was tagged/);
    assert.doesNotMatch(err.message, /\n/);
    return true;
  });
});

test('bounded in total time: registry errors until the deadline end in SharedTagError', async () => {
  const clock = new Clock();
  const tag = new Tag(clock);
  const store: SharedTagStore<string> = {
    ...tag.store(),
    read: async () => {
      clock.advance(1000);
      throw Object.assign(new Error('reset'), { code: 'ECONNRESET' });
    },
  };
  await assert.rejects(
    addToSharedTag(options(clock, store, 'ours', { attempts: 1000, deadlineMs: 10_000 })),
    SharedTagError,
  );
  assert.ok(clock.t <= 12_000, `stopped at ${clock.t} ms`);
});

test('abortable: an aborted signal stops the settle wait', async () => {
  const clock = new Clock();
  const tag = new Tag(clock);
  const controller = new AbortController();
  const sleep = async (ms: number, signal?: AbortSignal) => {
    controller.abort(new Error('cancelled'));
    return clock.sleep(ms, signal);
  };
  await assert.rejects(
    addToSharedTag(options(clock, tag.store(), 'ours', { signal: controller.signal, sleep })),
    /cancelled/,
  );
});

test('errors that are not transient (auth, 4xx) are not retried', async () => {
  const clock = new Clock();
  const tag = new Tag(clock);
  let reads = 0;
  const store: SharedTagStore<string> = {
    ...tag.store(),
    read: async () => {
      reads++;
      throw new Error('denied');
    },
  };
  await assert.rejects(addToSharedTag(options(clock, store, 'ours')), /denied/);
  assert.equal(reads, 1);
});

test('a registry that refuses the probe header (400) is written to plainly and remembered', async () => {
  const clock = new Clock();
  const tag = new Tag(clock);
  const inner = tag.store();
  const conditions: WriteCondition[] = [];
  const store: SharedTagStore<string> = {
    ...inner,
    write: async (entries, condition) => {
      conditions.push(condition);
      if ('ifMatch' in condition) throw new RegistryError('PUT: 400', 400, 'UNSUPPORTED');
      return inner.write(entries, condition);
    },
  };
  const opts = options(clock, store, 'ours');
  await addToSharedTag(opts);
  assert.equal(conditionalWriteSupport(opts.registry), false);
  assert.deepEqual(tag.entries, ['ours']);
  assert.deepEqual(conditions.slice(0, 2), [
    { ifMatch: '"flux-oci-action-conditional-write-probe"' },
    {},
  ]);
});

test('isTransient: 429/5xx, blob races, resets and typed network failures yes; auth, 4xx and deadlines no', () => {
  const net = (failure: NetworkFailure) =>
    new RegistryNetworkError({
      registry: 'r.example',
      operation: 'PUT manifest',
      failure,
      attempts: 1,
      exhausted: false,
      reached: true,
    });
  assert.equal(isTransient(new RegistryError('x', 503)), true);
  assert.equal(isTransient(new RegistryError('x', 429)), true);
  assert.equal(isTransient(new RegistryError('x', 400, 'DIGEST_INVALID')), true);
  assert.equal(isTransient(Object.assign(new Error('r'), { code: 'ECONNRESET' })), true);
  assert.equal(isTransient(new Error('wrapped', { cause: { code: 'UND_ERR_SOCKET' } })), true);
  assert.equal(isTransient(net('reset')), true);
  assert.equal(isTransient(net('stalled')), true);
  assert.equal(isTransient(net('deadline')), false);
  assert.equal(isTransient(new RegistryError('x', 400, 'MANIFEST_INVALID')), false);
  assert.equal(isTransient(new RegistryError('x', 401)), false);
  assert.equal(isTransient(new Error('denied')), false);
});

/** `inner` with each read, HEAD and write noted in `events` (`read@<ms>`); `afterRead` runs after each read. */
function logged(
  inner: SharedTagStore<string>,
  clock: Clock,
  events: string[],
  afterRead: () => void = () => {},
): SharedTagStore<string> {
  return {
    read: async () => {
      events.push(`read@${clock.t}`);
      const s = await inner.read();
      afterRead();
      return s;
    },
    head: async () => {
      events.push(`head@${clock.t}`);
      return inner.head?.();
    },
    write: async (entries, condition) => {
      events.push(`write@${clock.t}`);
      return inner.write(entries, condition);
    },
  };
}

test('ready: the first read goes out before it, no PUT before it, and a stale read is checked with a HEAD', async () => {
  const clock = new Clock();
  const tag = new Tag(clock);
  tag.put(['a']);
  const inner = tag.store();
  const events: string[] = [];
  let release: () => void = () => {};
  const ready = new Promise<void>((go) => {
    release = go;
  });
  const store = logged(inner, clock, events, () => {
    // The artifact's manifest is stored 100 ms after our first read was answered; meanwhile
    // another writer adds 'b' (our read is stale by then).
    if (events.length === 1) {
      setImmediate(() => {
        clock.advance(100);
        tag.put(['a', 'b']);
        events.push(`ready@${clock.t}`);
        release();
      });
    }
  });
  const result = await addToSharedTag(options(clock, store, 'ours', { ready }));
  assert.equal(events[0], 'read@0');
  assert.equal(events[1], 'ready@102');
  // The read was older than the freshness rule allows: a HEAD saw the tag move, and the update
  // read again before writing; nothing was written before `ready`.
  assert.equal(events[2], 'head@102');
  const firstWrite = events.findIndex((e) => e.startsWith('write@'));
  assert.ok(firstWrite > 3, events.join(' '));
  assert.ok(events[3]?.startsWith('read@'), events.join(' '));
  assert.deepEqual(tag.entries, ['a', 'b', 'ours']);
  assert.equal(result.confirmedBy, 'read-after-settle');
});

test('ready.sending: the first read waits for the write `ready` waits for to go out, and is fresh when it is stored', async () => {
  const clock = new Clock();
  const tag = new Tag(clock);
  tag.put(['a']);
  const inner = tag.store();
  const events: string[] = [];
  let send: () => void = () => {};
  let store_: () => void = () => {};
  const sending = new Promise<void>((go) => {
    send = go;
  });
  const ready = Object.assign(
    new Promise<void>((go) => {
      store_ = go;
    }),
    { sending },
  );
  // A large layer still uploads for 100 ms (another writer adds 'b' meanwhile), then the
  // manifest's PUT goes out, and is stored 2 ms later.
  setImmediate(() => {
    clock.advance(100);
    tag.put(['a', 'b']);
    events.push(`sending@${clock.t}`);
    send();
    setImmediate(() => {
      clock.advance(2);
      events.push(`stored@${clock.t}`);
      store_();
    });
  });
  await addToSharedTag(options(clock, logged(inner, clock, events), 'ours', { ready }));
  // Read once, with the manifest's PUT: no HEAD, no second read before the write.
  assert.deepEqual(
    events.slice(0, 4).map((e) => e.replace(/@\d+$/, '')),
    ['sending', 'read', 'stored', 'write'],
    events.join(' '),
  );
  assert.equal(events[1], 'read@100');
  assert.deepEqual(tag.entries, ['a', 'b', 'ours']);
});

test('ready: a rejection ends the update with its error, having written nothing', async () => {
  const clock = new Clock();
  const tag = new Tag(clock);
  const store = tag.store();
  const failed = Promise.reject(new Error('artifact manifest PUT failed'));
  failed.catch(() => {});
  await assert.rejects(
    addToSharedTag(options(clock, store, 'ours', { ready: failed })),
    /artifact manifest PUT failed/,
  );
  assert.equal(store.written.length, 0);
});

test('ready: the time budget starts when it resolves, not at the first read', async () => {
  const clock = new Clock();
  const tag = new Tag(clock);
  const store = tag.store();
  // The layer takes 5 s to upload; the budget is 1 s.
  const ready = new Promise<void>((go) =>
    setImmediate(() => {
      clock.advance(5000);
      go();
    }),
  );
  const result = await addToSharedTag(options(clock, store, 'ours', { ready, deadlineMs: 1000 }));
  assert.deepEqual(tag.entries, ['ours']);
  assert.equal(result.attempts, 1);
});
