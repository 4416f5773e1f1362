// The leader's wait between two scans, cut short when the storage changes or a rescan is asked
// for: the loop then computes the new start time at once instead of at the end of its sleep.

export class WakeAlarm {
  private wake: (() => void) | undefined;

  /** Ends the sleep under way now, if any (a ring with nobody asleep is dropped: the sleeper looks first). */
  ring(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  /** Resolves after `ms`, on abort, or at the next ring(), whichever comes first. */
  sleep(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal.aborted) return resolve();
      const done = (): void => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        if (this.wake === done) this.wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, ms));
      signal.addEventListener('abort', done, { once: true });
      this.wake = done;
    });
  }
}
