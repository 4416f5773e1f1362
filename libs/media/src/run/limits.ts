// How long ffmpeg and ffprobe may run. A hung process (a dead NFS server, a FIFO, a decoder
// stuck in a loop) must not hold a transcode slot forever: the wall-clock limit grows with the
// media's duration, and the stall limit catches a run that stopped moving long before that.

export interface MediaLimits {
  /** Fixed part of ffmpeg's wall-clock limit. */
  readonly wallClockBaseMs: number;
  /** Added per second of media: a run may take this many times the media's duration, plus the base. */
  readonly wallClockPerMediaSecond: number;
  /** ffmpeg is killed when its progress (output time, frames, bytes) has not moved for this long. */
  readonly stallMs: number;
  /** ffprobe's wall-clock limit (it reports no progress). */
  readonly probeTimeoutMs: number;
  /**
   * After SIGKILL, how long to wait for the process to be reaped before giving up on it (a process
   * in uninterruptible I/O dies only when the I/O returns).
   */
  readonly killGraceMs: number;
}

export const DEFAULT_MEDIA_LIMITS: MediaLimits = Object.freeze({
  wallClockBaseMs: 10 * 60_000,
  wallClockPerMediaSecond: 10,
  stallMs: 120_000,
  probeTimeoutMs: 60_000,
  killGraceMs: 5_000,
});

/** Merges overrides over the defaults, rejecting values that would disable a limit by accident. */
export function mediaLimits(overrides: Partial<MediaLimits> = {}): MediaLimits {
  const limits = { ...DEFAULT_MEDIA_LIMITS, ...overrides };
  for (const [key, value] of Object.entries(limits)) {
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0)
      throw new RangeError(`media limit ${key} must be a positive number, got ${String(value)}`);
  }
  return limits;
}

/** ffmpeg's wall-clock limit for a run over `mediaSeconds` of media (unknown: the base alone). */
export function wallClockLimitMs(limits: MediaLimits, mediaSeconds: number | undefined): number {
  const seconds = mediaSeconds !== undefined && mediaSeconds > 0 ? mediaSeconds : 0;
  return Math.round(limits.wallClockBaseMs + seconds * 1000 * limits.wallClockPerMediaSecond);
}
