import type { LogEntry } from '@portico/control-plane-client';
import { backoffDelay } from './backoff';
import { BoundedLineQueue } from './bounded-queue';
import { levelRank, parseLogLine, type LogLevel } from './log-line';
import type { LogSink } from './ports';
import { beforeDeadline } from './deadline';

export interface LogShipperOptions {
  /** The worker instance whose lines these are. */
  workerId: string;
  /** Lines held while waiting to ship; beyond it the oldest are dropped and counted. Default 5000. */
  maxBufferedLines?: number;
  /** Bytes held while waiting to ship. Default 5 MiB. */
  maxBufferedBytes?: number;
  /** Lines per batch. Default 500 (the API accepts up to 1000). */
  maxBatchLines?: number;
  /** Serialized bytes per batch. Default 1 MiB. */
  maxBatchBytes?: number;
  /** A batch is sent at least this often while lines wait. Default 1000 ms. */
  flushIntervalMs?: number;
  /** A batch is sent at once when this many lines wait. Default 200. */
  batchTrigger?: number;
  /** Retry delays after failures: base 1 s, doubling, capped (default 30 s), with jitter. */
  backoffCapMs?: number;
  /** Lines below this level are not shipped. Default: everything the logger writes. */
  minLevel?: LogLevel;
  /**
   * Applied to messages and string field values before shipping. The platform logger already
   * redacts secret fields and scrubs messages, so this is a second line of defence; apps pass
   * the platform's scrubber here (this library cannot depend on the platform).
   */
  scrub?: (text: string) => string;
  /** Bound on the final flush at stop(). Default 2000 ms. */
  stopTimeoutMs?: number;
  /**
   * Told when shipping starts failing and when it recovers. Log these somewhere that does not
   * feed back into this shipper at a high rate (each failure is reported once, not per retry).
   */
  onStateChange?: (state: { failing: boolean; error?: string }) => void;
  now?: () => Date;
  random?: () => number;
}

export interface LogShipperStats {
  buffered: number;
  bufferedBytes: number;
  /** Lines dropped and not yet reported to the control plane. */
  droppedPending: number;
  /** Lines dropped since start. */
  droppedTotal: number;
  shipped: number;
  failing: boolean;
  consecutiveFailures: number;
  lastError: string | undefined;
}

const LINE_BREAK = /\r?\n/;

/**
 * Ships this process's log lines to the control plane (SPEC 2.7). It is a pino destination
 * (`write(line)`), meant to sit next to stdout in `pino.multistream`. `write` only appends to a
 * bounded buffer: it never blocks, never awaits and never throws into the logger. Batches go out
 * every `flushIntervalMs`, or at once when `batchTrigger` lines wait; one batch at a time, in
 * order. A failed batch goes back to the head of the buffer and is retried with backoff; when
 * the buffer overflows, the oldest lines are dropped and the next batch reports how many.
 */
export class LogShipper {
  private readonly queue: BoundedLineQueue;
  private readonly maxBatchLines: number;
  private readonly maxBatchBytes: number;
  private readonly flushIntervalMs: number;
  private readonly batchTrigger: number;
  private readonly backoffCapMs: number;
  private readonly minRank: number;
  private readonly scrub: ((text: string) => string) | undefined;
  private readonly stopTimeoutMs: number;
  private readonly now: () => Date;
  private readonly random: () => number;
  private running = false;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;
  private timerDueAt = Infinity;
  private shipping: Promise<boolean> | undefined;
  private droppedPending = 0;
  private droppedTotal = 0;
  private shipped = 0;
  private consecutiveFailures = 0;
  private lastError: string | undefined;

  constructor(
    private readonly sink: LogSink,
    private readonly options: LogShipperOptions,
  ) {
    this.queue = new BoundedLineQueue(
      options.maxBufferedLines ?? 5000,
      options.maxBufferedBytes ?? 5 * 1024 * 1024,
    );
    this.maxBatchLines = Math.min(options.maxBatchLines ?? 500, 1000);
    this.maxBatchBytes = options.maxBatchBytes ?? 1024 * 1024;
    this.flushIntervalMs = options.flushIntervalMs ?? 1000;
    this.batchTrigger = options.batchTrigger ?? 200;
    this.backoffCapMs = options.backoffCapMs ?? 30_000;
    this.minRank = options.minLevel ? levelRank(options.minLevel) : 0;
    this.scrub = options.scrub;
    this.stopTimeoutMs = options.stopTimeoutMs ?? 2000;
    this.now = options.now ?? (() => new Date());
    this.random = options.random ?? Math.random;
  }

  /** pino destination: takes one or more serialized lines. Never throws. */
  write(chunk: string | Uint8Array): boolean {
    try {
      if (this.stopped) return true;
      const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
      for (const line of text.split(LINE_BREAK)) {
        if (line.length === 0) continue;
        const dropped = this.queue.push(line, Buffer.byteLength(line));
        this.droppedPending += dropped;
        this.droppedTotal += dropped;
      }
      if (this.running && this.queue.length >= this.batchTrigger && this.consecutiveFailures === 0) {
        this.schedule(0);
      }
    } catch {
      // A logger destination must never throw; a line we could not take is simply not shipped.
    }
    return true;
  }

  /** Starts the periodic shipping. The timer does not keep the process alive. */
  start(): void {
    if (this.running || this.stopped) return;
    this.running = true;
    this.schedule(this.flushIntervalMs);
  }

  /**
   * Stops shipping after a last flush bounded by `stopTimeoutMs` (default 2 s); lines written
   * after this are ignored. Resolves with how many lines were left unshipped. Never rejects.
   */
  async stop(): Promise<{ left: number }> {
    this.running = false;
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    const deadline = Date.now() + this.stopTimeoutMs;
    await this.drain(deadline);
    return { left: this.queue.length };
  }

  /** Ships until the buffer is empty, a batch fails, or the deadline (epoch ms) passes. */
  async drain(deadline = Date.now() + this.stopTimeoutMs): Promise<boolean> {
    for (;;) {
      if (this.queue.length === 0 && this.droppedPending === 0 && !this.shipping) return true;
      const ok = await beforeDeadline(this.shipOnce(), deadline);
      if (ok !== true) return false;
    }
  }

  /** Sends one batch now (joins one under way). Resolves whether it was accepted; never rejects. */
  shipOnce(): Promise<boolean> {
    this.shipping ??= this.ship().finally(() => {
      this.shipping = undefined;
    });
    return this.shipping;
  }

  stats(): LogShipperStats {
    return {
      buffered: this.queue.length,
      bufferedBytes: this.queue.bytes,
      droppedPending: this.droppedPending,
      droppedTotal: this.droppedTotal,
      shipped: this.shipped,
      failing: this.consecutiveFailures > 0,
      consecutiveFailures: this.consecutiveFailures,
      lastError: this.lastError,
    };
  }

  private async ship(): Promise<boolean> {
    const taken = this.queue.take(this.maxBatchLines, this.maxBatchBytes);
    if (taken.length === 0 && this.droppedPending === 0) return true;
    const now = this.now();
    const entries: LogEntry[] = [];
    for (const { line } of taken) {
      let entry: LogEntry;
      try {
        entry = parseLogLine(line, now, this.scrub);
      } catch {
        // A line the scrubber cannot handle is withheld rather than shipped unscrubbed.
        this.droppedPending += 1;
        this.droppedTotal += 1;
        continue;
      }
      if (levelRank(entry.level) >= this.minRank) entries.push(entry);
    }
    const dropped = this.droppedPending;
    if (entries.length === 0 && dropped === 0) return true;
    try {
      await this.sink.shipLogs({ workerId: this.options.workerId, entries, dropped });
    } catch (error) {
      // Back to the head, in order; if the buffer filled meanwhile, the oldest go first.
      const lost = this.queue.unshift(taken);
      this.droppedPending += lost;
      this.droppedTotal += lost;
      this.consecutiveFailures += 1;
      this.lastError = messageOf(error);
      if (this.consecutiveFailures === 1) this.notify({ failing: true, error: this.lastError });
      return false;
    }
    this.droppedPending -= dropped;
    this.shipped += entries.length;
    if (this.consecutiveFailures > 0) {
      this.consecutiveFailures = 0;
      this.lastError = undefined;
      this.notify({ failing: false });
    }
    return true;
  }

  private schedule(delayMs: number): void {
    if (!this.running) return;
    const dueAt = Date.now() + delayMs;
    // Only ever bring the next run forward: a write must not postpone a due batch or cut a backoff short.
    if (this.timer && dueAt >= this.timerDueAt) return;
    if (this.shipping && delayMs === 0) return; // the running batch reschedules when it ends
    clearTimeout(this.timer);
    this.timerDueAt = dueAt;
    this.timer = setTimeout(() => void this.tick(), delayMs);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    this.timer = undefined;
    this.timerDueAt = Infinity;
    const ok = await this.shipOnce();
    if (!ok) {
      this.schedule(
        backoffDelay(this.consecutiveFailures, { baseMs: 1000, capMs: this.backoffCapMs }, this.random),
      );
    } else {
      this.schedule(this.queue.length >= this.batchTrigger ? 0 : this.flushIntervalMs);
    }
  }

  private notify(state: { failing: boolean; error?: string }): void {
    try {
      this.options.onStateChange?.(state);
    } catch {
      // A listener's failure must not stop shipping.
    }
  }
}

function messageOf(error: unknown): string {
  const message = (error as { message?: unknown } | null)?.message;
  return typeof message === 'string' ? message : String(error);
}
