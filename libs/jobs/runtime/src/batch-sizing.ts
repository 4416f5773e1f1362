// How many jobs a batch consumer claims at once. A batch is bounded by a weight budget (for the
// checksum role, bytes to read): many small files go together, a large file goes alone, so one
// worker never sits on work that another node could be doing. The claim grows from one job,
// doubling per batch while the recent weights allow (a queue's first fetch cannot know them), and
// falls at once when heavy jobs show up; what a fetch brings beyond the budget is handed back.

export interface BatchSizingOptions {
  /** Jobs per batch at most. */
  readonly maxJobs: number;
  /** Total weight of one batch; a single job heavier than this still runs, alone. */
  readonly budget: number;
}

/** Weight of the recent jobs: an exponential moving average over jobs seen. */
const SMOOTHING = 0.2;

export class BatchSizing {
  private lastLimit = 0;
  private meanWeight: number | undefined;

  constructor(private readonly options: BatchSizingOptions) {
    if (!Number.isInteger(options.maxJobs) || options.maxJobs < 1)
      throw new RangeError(`maxJobs must be an integer >= 1, got ${String(options.maxJobs)}`);
    if (!(options.budget > 0)) throw new RangeError(`budget must be > 0, got ${String(options.budget)}`);
  }

  /** Jobs to ask the queue for next. */
  nextLimit(): number {
    const { maxJobs, budget } = this.options;
    const byWeight = this.meanWeight === undefined ? maxJobs : Math.floor(budget / this.meanWeight);
    this.lastLimit = Math.max(1, Math.min(maxJobs, this.lastLimit * 2, byWeight));
    return this.lastLimit;
  }

  /**
   * How many of the fetched jobs, in fetch order, the batch keeps: as many as fit the budget, and
   * at least the first. Also learns from their weights.
   */
  keep(weights: readonly number[]): number {
    for (const weight of weights) {
      const w = Number.isFinite(weight) && weight > 0 ? weight : 0;
      this.meanWeight =
        this.meanWeight === undefined ? w : this.meanWeight + SMOOTHING * (w - this.meanWeight);
    }
    let total = 0;
    let kept = 0;
    for (const weight of weights) {
      total += Number.isFinite(weight) && weight > 0 ? weight : 0;
      if (kept > 0 && total > this.options.budget) break;
      kept += 1;
    }
    if (kept < weights.length) this.lastLimit = Math.max(1, kept);
    return kept;
  }
}
