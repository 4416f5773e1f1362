// One live limit shared by several queues. The job runtime gives each queue its own slots, so
// upload, archive and export consumers would each run `file_upload_parallel_uploads_num` transfers;
// this semaphore holds their sum to the setting (read at every acquire and release, so a change
// applies to the next transfer without a restart).

export class TransferSlots {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly limit: () => number) {}

  get inUse(): number {
    return this.active;
  }

  /** Waits for a free slot (or rejects with the signal's reason); the returned function frees it once. */
  async acquire(signal?: AbortSignal): Promise<() => void> {
    signal?.throwIfAborted();
    if (this.active >= Math.max(1, this.limit()) || this.waiting.length > 0) {
      await new Promise<void>((resolve, reject) => {
        const onAbort = (): void => {
          const index = this.waiting.indexOf(grant);
          if (index >= 0) this.waiting.splice(index, 1);
          reject(signal?.reason instanceof Error ? signal.reason : new Error('transfer aborted'));
        };
        const grant = (): void => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        };
        this.waiting.push(grant);
        signal?.addEventListener('abort', onAbort, { once: true });
        this.drain();
      });
    } else {
      this.active += 1;
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.active -= 1;
      this.drain();
    };
  }

  /** Hands free slots to waiters in arrival order. */
  private drain(): void {
    while (this.waiting.length > 0 && this.active < Math.max(1, this.limit())) {
      this.active += 1;
      this.waiting.shift()!();
    }
  }
}
