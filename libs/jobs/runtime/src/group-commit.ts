// Group commit: settles that arrive while one is being written are written together in the next
// transaction. A no-op job's completion costs a transaction of its own otherwise (lock the attempt,
// complete the job, close the attempt), which caps a node at ~1.5k jobs/s through pgBouncer; the
// queue benchmark (bench/queue) is what justifies this. Latency is not traded for it: a lone
// settle is flushed on the next turn of the event loop, and up to `maxInFlight` groups are written
// at once.

export type BatchOutcome = Error | undefined;

export class GroupCommit<T> {
  private pending: Array<{ item: T; resolve: () => void; reject: (error: Error) => void }> = [];
  private inFlight = 0;
  private scheduled = false;

  constructor(
    /** Writes one batch; returns, per item (same order), the error that item failed with, if any. */
    private readonly write: (items: readonly T[]) => Promise<BatchOutcome[]>,
    private readonly maxBatch = 500,
    /** Batches written at once (each on its own connection). */
    private readonly maxInFlight = 2,
  ) {}

  add(item: T): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.inFlight >= this.maxInFlight || this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      void this.flush();
    });
  }

  private async flush(): Promise<void> {
    if (this.inFlight >= this.maxInFlight || this.pending.length === 0) return;
    this.inFlight += 1;
    const batch = this.pending.splice(0, this.maxBatch);
    try {
      const outcomes = await this.write(batch.map((entry) => entry.item));
      batch.forEach((entry, i) => {
        const error = outcomes[i];
        if (error) entry.reject(error);
        else entry.resolve();
      });
    } catch (error) {
      const failure = error instanceof Error ? error : new Error(String(error));
      for (const entry of batch) entry.reject(failure);
    } finally {
      this.inFlight -= 1;
      if (this.pending.length > 0) this.schedule();
    }
  }
}
