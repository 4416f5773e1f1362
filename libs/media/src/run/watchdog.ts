// Two timers around one process run: a wall-clock limit that never moves, and a stall limit that
// restarts whenever the run reports progress. The first to expire fires once; the caller kills.
import type { TimeoutKind } from './errors';

export interface WatchdogLimits {
  readonly wallClockMs: number;
  /** Undefined: no stall limit (a tool that reports no progress, like ffprobe). */
  readonly stallMs?: number;
}

export class Watchdog {
  private wallTimer: ReturnType<typeof setTimeout> | undefined;
  private stallTimer: ReturnType<typeof setTimeout> | undefined;
  private fired = false;
  private stopped = false;

  constructor(
    private readonly limits: WatchdogLimits,
    private readonly onExpire: (kind: TimeoutKind, limitMs: number) => void,
  ) {}

  start(): void {
    if (this.stopped || this.wallTimer) return;
    this.wallTimer = setTimeout(
      () => this.expire('wall-clock', this.limits.wallClockMs),
      this.limits.wallClockMs,
    );
    this.armStall();
  }

  /** The run moved forward: the stall limit starts over. */
  progressed(): void {
    if (this.stopped || this.fired) return;
    this.armStall();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.wallTimer);
    clearTimeout(this.stallTimer);
  }

  private armStall(): void {
    const stallMs = this.limits.stallMs;
    if (stallMs === undefined) return;
    clearTimeout(this.stallTimer);
    this.stallTimer = setTimeout(() => this.expire('stalled', stallMs), stallMs);
  }

  private expire(kind: TimeoutKind, limitMs: number): void {
    if (this.fired || this.stopped) return;
    this.fired = true;
    this.stop();
    this.onExpire(kind, limitMs);
  }
}
