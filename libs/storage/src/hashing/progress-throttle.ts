// Progress callbacks at most once per interval, so a caller that heartbeats or logs on progress
// is not called for every chunk (hundreds of times a second on a page-cached file).

export class ProgressThrottle {
  private last: number;

  constructor(
    private readonly intervalMs: number,
    private readonly now: () => number,
  ) {
    this.last = now();
  }

  /** True when a report is due; the interval restarts from now. */
  due(): boolean {
    const now = this.now();
    if (now - this.last < this.intervalMs) return false;
    this.last = now;
    return true;
  }
}
