// `max_transcoding_jobs` is per transcode profile on a node (SPEC 2.3). The job runtime sizes the
// transcode consumer to the setting × the number of profiles (libs/platform job-concurrency.ts);
// these semaphores, one per profile, keep each profile to the setting. The limit is read at every
// acquire and release, so a settings change applies to the next job without a restart.

export class ProfileSlots {
  private readonly active = new Map<string, number>();
  private readonly waiting = new Map<string, Array<() => void>>();

  constructor(private readonly limit: () => number) {}

  inUse(profile: string): number {
    return this.active.get(profile) ?? 0;
  }

  /** Waits for a slot of `profile` (or rejects with the signal's reason); the returned function frees it once. */
  async acquire(profile: string, signal?: AbortSignal): Promise<() => void> {
    signal?.throwIfAborted();
    const queue = this.queueOf(profile);
    if (this.inUse(profile) >= this.max() || queue.length > 0) {
      await new Promise<void>((resolve, reject) => {
        const onAbort = (): void => {
          const index = queue.indexOf(grant);
          if (index >= 0) queue.splice(index, 1);
          reject(signal?.reason instanceof Error ? signal.reason : new Error('transcode aborted'));
        };
        const grant = (): void => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        };
        queue.push(grant);
        signal?.addEventListener('abort', onAbort, { once: true });
        this.drain(profile);
      });
    } else {
      this.active.set(profile, this.inUse(profile) + 1);
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.active.set(profile, this.inUse(profile) - 1);
      this.drain(profile);
    };
  }

  private max(): number {
    return Math.max(1, this.limit());
  }

  private queueOf(profile: string): Array<() => void> {
    let queue = this.waiting.get(profile);
    if (!queue) this.waiting.set(profile, (queue = []));
    return queue;
  }

  /** Hands free slots of a profile to its waiters in arrival order. */
  private drain(profile: string): void {
    const queue = this.queueOf(profile);
    while (queue.length > 0 && this.inUse(profile) < this.max()) {
      this.active.set(profile, this.inUse(profile) + 1);
      queue.shift()!();
    }
  }
}
