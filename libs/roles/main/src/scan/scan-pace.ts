// How much one batch carries (pure). Each batch is one fenced transaction, and a fenced transaction
// holds the lease row's share lock, which the leader's lease renewal waits for: a batch that runs
// for about a second costs the leader its term (and a statement that long hits the fence's
// statement timeout). What a file costs depends on the sink (a catalogue ingest and a checksum job
// weigh ten times an index row) and on the load of the database, so the pacer times every commit
// and sizes the next batch to take about `budgetMs`.

export interface PaceLimits {
  /** The duration one batch's transaction should take. */
  readonly budgetMs: number;
  /** Walk entries (files and folders) of the first batch, before anything was timed. */
  readonly firstEntries: number;
  readonly minEntries: number;
  readonly maxEntries: number;
  /** Sink changes one batch may carry before any was timed (a cautious guess of their cost). */
  readonly firstChanges: number;
}

/** Batches with fewer changes say too little about what one change costs. */
const MIN_CHANGES_TIMED = 100;
/** A batch whose folders were all unchanged costs next to nothing; never divide by zero. */
const MIN_MS_PER_UNIT = 0.001;

export class BatchPacer {
  private size: number;
  private msPerChange: number | null = null;
  private msPerEntry: number | null = null;

  constructor(private readonly limits: PaceLimits) {
    this.size = clamp(limits.firstEntries, limits.minEntries, limits.maxEntries);
  }

  /** Walk entries to take for the next batch. */
  get entries(): number {
    return this.size;
  }

  /**
   * Sink changes one transaction may carry. A batch found to have more (a cheap stretch of
   * unchanged folders grew the batches, then a folder full of new files came) is split.
   */
  get changeLimit(): number {
    if (this.msPerChange === null) return this.limits.firstChanges;
    return Math.max(this.limits.minEntries, Math.floor(this.limits.budgetMs / this.msPerChange));
  }

  /** A committed batch: its walk entries, its sink changes, and how long its transaction took. */
  record(entries: number, changes: number, ms: number): void {
    const { budgetMs, minEntries, maxEntries } = this.limits;
    if (entries > 0) {
      this.msPerEntry = blend(this.msPerEntry, Math.max(MIN_MS_PER_UNIT, ms / entries));
      // Grows at most twofold per batch: a cheap batch is weak evidence about the next one.
      const fits = Math.floor(budgetMs / this.msPerEntry);
      this.size = clamp(Math.min(fits, this.size * 2), minEntries, maxEntries);
    }
    // The whole transaction is charged to the changes: an overestimate, on the safe side.
    if (changes >= MIN_CHANGES_TIMED)
      this.msPerChange = blend(this.msPerChange, Math.max(MIN_MS_PER_UNIT, ms / changes));
  }
}

/** A slowdown counts at once; a speed-up by half (the database may be busy again next time). */
function blend(previous: number | null, measured: number): number {
  if (previous === null || measured >= previous) return measured;
  return (previous + measured) / 2;
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}
