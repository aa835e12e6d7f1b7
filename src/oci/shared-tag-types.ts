/**
 * The contract of a shared-tag update (src/oci/shared-tag.ts): what a store of one tag offers
 * (read, HEAD, prepare, one PUT), what a writer is told, and the error when it cannot confirm.
 */
import { OciError } from './errors.js';

export interface TagState<E> {
  entries: E[];
  /** Digest of the manifest at the tag; absent when the tag does not exist. */
  digest?: string;
  /** ETag the registry sent with it, if any. */
  etag?: string;
}

export type WriteCondition = { ifMatch: string } | { ifNoneMatch: '*' } | Record<string, never>;

export type WriteOutcome =
  | { kind: 'written'; digest: string }
  /** 412: the condition did not hold. */
  | { kind: 'conflict' }
  /** 429/5xx or a moment's blob race: nothing known about whether it applied; read again. */
  | { kind: 'retry'; retryAfterMs?: number; reason: string }
  /** Not sent: `sendIf` said no where it would have gone out (nothing reached the registry). */
  | { kind: 'not-sent' };

export interface SharedTagStore<E> {
  read(): Promise<TagState<E>>;
  /** Digest at the tag now (a HEAD); without it there is no check between prepare and PUT. */
  head?(): Promise<string | undefined>;
  /**
   * Stores what the manifest of `entries` needs (e.g. the `.sig` config blob). `false`: it was
   * stored already and nothing was sent, so there is no time between read and PUT to check.
   */
  prepare?(entries: E[]): Promise<unknown>;
  /**
   * One PUT of the manifest listing `entries`, never re-sent by the transport. With `sendIf`, it
   * is asked where the request goes out (after auth, queueing, connecting) and `false` leaves it
   * unsent (`not-sent`).
   */
  write(entries: E[], condition: WriteCondition, sendIf?: () => boolean): Promise<WriteOutcome>;
}

/** What a writer waits for before its first PUT, and, when known, when that write is sent. */
export type Readiness = Promise<unknown> & { sending?: Promise<unknown> };

export interface SharedTagOptions<E> {
  store: SharedTagStore<E>;
  /** Identity of an entry: two entries with one key are the same entry. */
  key(entry: E): string;
  ours: E;
  /** `registry/path:tag`, for messages. */
  label: string;
  /** Registry host, the key of the remembered conditional-write support. */
  registry: string;
  /** Attempts (reads that lead to a write or a confirmation). Default 12. */
  attempts?: number;
  /** Total time budget. Default 90 s. */
  deadlineMs?: number;
  /** Shortest settle window on registries without conditional writes. Default 50 ms. */
  settleFloorMs?: number;
  /**
   * Shortest settle window once other writers were seen at work on the tag (their entries
   * appeared, the tag moved under us): a writer that read before our PUT may still be on its way,
   * delayed by a busy machine rather than by the network. Default 500 ms.
   */
  contendedSettleMs?: number;
  /**
   * A PUT goes out only this soon (plus twice the quickest round trip seen) after sending the
   * read or HEAD that showed the tag as merged; an older one (the process was held up, preparing
   * took long) is checked with a HEAD first. Default 20 ms.
   */
  freshMs?: number;
  /** Longest settle window. Default 2 s. */
  settleCapMs?: number;
  /**
   * The registry's slowest round trip (ms) answered since `since` (an epoch ms time: when this
   * writer started), as this process sees it (the transport's `slowestRoundTripMs`). A
   * concurrent writer sends its PUT at most `freshMs` plus two of its quickest round trips after
   * sending the read (or HEAD) it merged, so its PUT lands at most about that long after the
   * state it read: every settle window is at least `freshMs + 2 ×` that round trip, so a slow
   * registry or a busy machine lengthens it. Default: none.
   */
  roundTripMs?: (since: number) => number;
  /**
   * The quickest round trip of this registry's recent answers to this process (the transport's
   * `quickestRoundTripMs`), undefined before two: the freshness rule counts it from the first
   * read on, instead of waiting for two round trips of this update's own (which cost a HEAD
   * whenever the first read takes longer than `freshMs`, i.e. on every remote registry).
   */
  quickestRoundTripMs?: () => number | undefined;
  /**
   * Nothing is written before this resolves (e.g. the signed artifact's manifest is stored); the
   * first read goes out at once, or once `ready.sending` settles (the write `ready` waits for is
   * on its way): a read sent long before that write (a signature made while a large layer still
   * uploads) would be stale when it is stored and cost a HEAD; sent with it, it is usually
   * fresh. A read older than the freshness rule by then is checked with a HEAD before the PUT,
   * as any. A rejection ends the update with its error.
   */
  ready?: Readiness;
  signal?: AbortSignal;
  /** Injectable for tests. */
  now?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  random?: () => number;
}

export interface SharedTagResult {
  /** Digest of the manifest at the tag when our entry was confirmed there. */
  digest: string;
  attempts: number;
  /** How the entry was confirmed. */
  confirmedBy: 'conditional-write' | 'read-after-settle' | 'already-present';
  /** Total time spent in settle windows (ms). */
  settledMs: number;
}

/** The tag could not be confirmed to hold our entry; nothing says the signature is stored. */
export class SharedTagError extends OciError {
  override readonly name = 'SharedTagError';
  constructor(
    message: string,
    readonly label: string,
    options?: ErrorOptions,
  ) {
    super({ code: 'SHARED_TAG_UNCONFIRMED', label, detail: message }, options);
  }
}

/** What an OCI client passes every shared-tag update of its registry. */
export type SharedTagLimits = Pick<
  SharedTagOptions<unknown>,
  'deadlineMs' | 'signal' | 'roundTripMs' | 'quickestRoundTripMs'
>;
