// Progress of one transfer for its caller (job heartbeat, telemetry): bytes done out of the
// total, and the current rate over a sliding window. Pure: the clock is injected. Events are
// throttled so a fast download does not call back for every 64 KiB chunk.

export interface TransferProgress {
  /** Bytes verified or written so far, including parts reused from an earlier attempt. */
  readonly bytesDone: number;
  readonly bytesTotal: number;
  /** Bytes actually moved over the network in the last few seconds, per second. */
  readonly bytesPerSecond: number;
}

export type ProgressListener = (progress: TransferProgress) => void;

export interface ProgressMeterOptions {
  /** Milliseconds, monotonic. Default performance.now. */
  readonly now?: () => number;
  /** At most one event per interval, besides the first and the last. Default 250 ms. */
  readonly minIntervalMs?: number;
  /** The rate is measured over this window. Default 5 s. */
  readonly windowMs?: number;
}

export class ProgressMeter {
  private bytesDone = 0;
  private moved = 0;
  private readonly samples: Array<{ at: number; moved: number }> = [];
  private lastEmit: number | undefined;
  private readonly now: () => number;
  private readonly minIntervalMs: number;
  private readonly windowMs: number;

  constructor(
    private readonly bytesTotal: number,
    private readonly listener: ProgressListener | undefined,
    options: ProgressMeterOptions = {},
  ) {
    this.now = options.now ?? (() => performance.now());
    this.minIntervalMs = options.minIntervalMs ?? 250;
    this.windowMs = options.windowMs ?? 5_000;
    this.samples.push({ at: this.now(), moved: 0 });
  }

  /** `bytes` more are done; `transferred` false for bytes reused without moving them (resumed parts). */
  advance(bytes: number, transferred = true): void {
    this.bytesDone += bytes;
    if (transferred) this.moved += bytes;
    const at = this.now();
    this.samples.push({ at, moved: this.moved });
    while (this.samples.length > 2 && this.samples[1]!.at <= at - this.windowMs) this.samples.shift();
    if (this.lastEmit === undefined || at - this.lastEmit >= this.minIntervalMs) this.emit(at);
  }

  /** Emits the final state (always, throttling aside). */
  finish(): TransferProgress {
    const progress = this.snapshot(this.now());
    this.listener?.(progress);
    return progress;
  }

  snapshot(at = this.now()): TransferProgress {
    const oldest = this.samples[0]!;
    const seconds = (at - oldest.at) / 1000;
    const bytesPerSecond = seconds > 0 ? Math.round((this.moved - oldest.moved) / seconds) : 0;
    return { bytesDone: this.bytesDone, bytesTotal: this.bytesTotal, bytesPerSecond };
  }

  private emit(at: number): void {
    this.lastEmit = at;
    this.listener?.(this.snapshot(at));
  }
}
