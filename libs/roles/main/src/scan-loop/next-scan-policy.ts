// When the leader's next scan starts (pure; the clock is injected). Without changes: when the
// last scan said (scan_interval_seconds, sooner for a settling file, a retry delay after a
// failure). A change reported by the storage watch brings it forward to shortly after the change,
// but never sooner than the last scan's duration after its end, so that notifications can never
// keep the leader scanning more than half the time.

export interface NextScanTiming {
  /** A change is scanned once no further change came for this long: a copy of many files is one scan. */
  readonly quietMs: number;
  /** ...but no later than this after the first change of a burst, for a copy that never pauses. */
  readonly maxDelayMs: number;
}

export const DEFAULT_NEXT_SCAN_TIMING: NextScanTiming = { quietMs: 200, maxDelayMs: 1000 };

export interface ScanEnd {
  /** When the next scan is due without any change, from now (the interval, or sooner). */
  readonly waitMs: number;
  /**
   * The scan failed (database down, storage unreadable): the retry waits `waitMs` whatever
   * changes, or every change would retry at once.
   */
  readonly failed?: boolean;
}

export class NextScanPolicy {
  private scanning = false;
  private startedAt = 0;
  private endedAt = 0;
  private durationMs = 0;
  /** Due without any change; before the first scan: at once. */
  private dueAt = Number.NEGATIVE_INFINITY;
  private changesShorten = true;
  /** First and last change not yet covered by a scan (null: none). */
  private firstChangeAt: number | null = null;
  private lastChangeAt = 0;
  private requested = false;

  constructor(
    private readonly now: () => number,
    private readonly timing: NextScanTiming = DEFAULT_NEXT_SCAN_TIMING,
  ) {}

  /** A scan starts: it covers every change and request made until now. */
  scanStarted(): void {
    this.scanning = true;
    this.startedAt = this.now();
    this.firstChangeAt = null;
    this.requested = false;
  }

  scanEnded(end: ScanEnd): void {
    this.scanning = false;
    this.endedAt = this.now();
    this.durationMs = Math.max(0, this.endedAt - this.startedAt);
    this.dueAt = this.endedAt + Math.max(0, end.waitMs);
    this.changesShorten = !end.failed;
  }

  /**
   * The storage changed. True when that brings the next scan forward (a waiting loop should wake
   * up and wait again for the new time); during a scan, never: it only means "scan again after".
   */
  changed(): boolean {
    const before = this.nextScanAt();
    const now = this.now();
    this.firstChangeAt ??= now;
    this.lastChangeAt = now;
    return !this.scanning && this.nextScanAt() < before;
  }

  /** An operator asked for a scan (a rescan event): the next starts at once, floor or not. */
  requestNow(): void {
    this.requested = true;
  }

  /** When the next scan starts, on the injected clock (meaningless during a scan). */
  nextScanAt(): number {
    if (this.requested) return Math.min(this.dueAt, this.endedAt);
    if (this.firstChangeAt === null || !this.changesShorten) return this.dueAt;
    const settled = Math.min(
      this.lastChangeAt + this.timing.quietMs,
      this.firstChangeAt + this.timing.maxDelayMs,
    );
    const floor = this.endedAt + this.durationMs;
    return Math.min(this.dueAt, Math.max(settled, floor));
  }

  /** How long to wait from now before the next scan (0: start it). */
  delayMs(): number {
    return Math.max(0, this.nextScanAt() - this.now());
  }
}
