// A semaphore whose limit is a live setting, for limits that span or split a consumer's slots:
// the TRANSFER role holds upload, archive and export together to file_upload_parallel_uploads_num
// (each consumer has its own slots), and the TRANSCODE role holds each profile to
// max_transcoding_jobs (the consumer has the setting × profiles). The limit is read at every
// acquire and release, so a change applies to the next job without a restart; waiters are served
// in arrival order, and an aborted waiter leaves without taking a slot.

export class LiveSemaphore {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  /** `limit` below 1 is taken as 1: a setting of 0 must not deadlock a job that already runs. */
  constructor(private readonly limit: () => number) {}

  get inUse(): number {
    return this.active;
  }

  /** Waits for a free slot (or rejects with the signal's reason); the returned function frees it once. */
  async acquire(signal?: AbortSignal): Promise<() => void> {
    signal?.throwIfAborted();
    if (this.active >= this.max() || this.waiting.length > 0) {
      await new Promise<void>((resolve, reject) => {
        const onAbort = (): void => {
          const index = this.waiting.indexOf(grant);
          if (index >= 0) this.waiting.splice(index, 1);
          reject(
            signal?.reason instanceof Error ? signal.reason : new Error('aborted while waiting for a slot'),
          );
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

  private max(): number {
    return Math.max(1, this.limit());
  }

  /** Hands free slots to waiters in arrival order. */
  private drain(): void {
    while (this.waiting.length > 0 && this.active < this.max()) {
      this.active += 1;
      this.waiting.shift()!();
    }
  }
}

/** One LiveSemaphore per key (e.g. per transcode profile), all with the same live limit. */
export class KeyedSemaphores {
  private readonly semaphores = new Map<string, LiveSemaphore>();

  constructor(private readonly limit: () => number) {}

  inUse(key: string): number {
    return this.semaphores.get(key)?.inUse ?? 0;
  }

  acquire(key: string, signal?: AbortSignal): Promise<() => void> {
    let semaphore = this.semaphores.get(key);
    if (!semaphore) this.semaphores.set(key, (semaphore = new LiveSemaphore(this.limit)));
    return semaphore.acquire(signal);
  }
}
