// What every part of the registry client shares for one repository: its transport, token
// scopes, URL paths, the limits of one operation, and how a registry's JSON is read.
import type { RegistryClientOptions } from './client.js';
import { operationSignal } from './deadline.js';
import { RegistryError } from './errors.js';
import type { Repository } from './reference.js';
import type { SharedTagLimits } from './shared-tag-types.js';
import type { Transport } from './transport.js';

/** Our code (not the registry's) for content whose digest is not the one asked for. */
export const DIGEST_MISMATCH = 'DIGEST_MISMATCH';

export class RepoContext {
  readonly pullScope: string[];
  readonly pushScope: string[];
  readonly deleteScope: string[];

  constructor(
    readonly repository: Repository,
    readonly transport: Transport,
    readonly options: RegistryClientOptions,
  ) {
    this.pullScope = [`repository:${repository.path}:pull`];
    this.pushScope = [`repository:${repository.path}:pull,push`];
    this.deleteScope = [`repository:${repository.path}:pull,push,delete`];
  }

  path(rest: string): string {
    return `/v2/${this.repository.path}/${rest}`;
  }

  /** A new operation's signal (see operationSignal). */
  signal(): AbortSignal {
    return operationSignal(this.options);
  }

  /**
   * Deadline, abort signal and the registry's current round trip for a shared-tag update (also
   * used by the `.sig` writer).
   */
  sharedTagLimits(): SharedTagLimits {
    return {
      roundTripMs: (since) => this.transport.slowestRoundTripMs(since),
      quickestRoundTripMs: () => this.transport.quickestRoundTripMs(),
      ...(this.options.sharedTagDeadlineMs ? { deadlineMs: this.options.sharedTagDeadlineMs } : {}),
      ...(this.options.signal ? { signal: this.options.signal } : {}),
    };
  }

  /** Parses a registry's JSON answer; anything else is the registry's fault, said so. */
  json<T>(bytes: Buffer, operation: string, status: number): T {
    try {
      const v = JSON.parse(bytes.toString()) as unknown;
      if (v && typeof v === 'object') return v as T;
    } catch {
      // fall through
    }
    throw new RegistryError(
      `${operation}: registry answered with something that is not a JSON object`,
      status,
      undefined,
      {
        registry: this.repository.registry,
        operation,
      },
    );
  }
}
