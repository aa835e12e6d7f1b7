/**
 * The freshness rule of a shared-tag write (docs/signature-merge.md, step 4): a view of the tag (a
 * read or a HEAD) may be written over for `freshMs` plus twice the quickest round trip seen,
 * counted from when its request was *sent* (a process held up while the answer waited in its
 * socket resumes with a list as old as the request). From one sample alone a slow network cannot
 * be told from a held-up process, so a round trip counts once there are two: this update's own,
 * or the registry's recent answers to this process (`known`: the transport's quickest, from the
 * blob uploads and manifest PUTs before it), whichever is quicker. With neither, `freshMs` alone.
 */
export class Freshness {
  private fastest = Number.POSITIVE_INFINITY;
  private samples = 0;

  constructor(
    private readonly freshMs: number,
    private readonly now: () => number,
    private readonly known: () => number | undefined = () => undefined,
  ) {}

  /** A request sent at `since` was answered just now. */
  sample(since: number): void {
    this.fastest = Math.min(this.fastest, this.now() - since);
    this.samples++;
  }

  /** Whether a view whose request was sent at `since` is still fresh. */
  fresh(since: number): boolean {
    const own = this.samples >= 2 ? this.fastest : Number.POSITIVE_INFINITY;
    const quickest = Math.min(own, this.known() ?? Number.POSITIVE_INFINITY);
    const slack = Number.isFinite(quickest) ? 2 * quickest : 0;
    return this.now() - since <= this.freshMs + slack;
  }
}
