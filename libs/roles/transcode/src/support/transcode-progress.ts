// ffmpeg progress → the job's heartbeat (recorded progress, renewed lease). The media library
// reports about twice a second; each heartbeat is a database write, so at most one per interval
// is sent, plus the last one.
import { type MediaProgress } from '@portico/media';

export interface TranscodeProgressRecord {
  readonly phase: 'transcode';
  readonly profile: string;
  readonly job: string;
  /** 0–100 with one decimal; absent while ffmpeg has not written a frame or the duration is unknown. */
  readonly percent?: number;
  readonly outTimeSeconds?: number;
  readonly speed?: number;
  readonly frame?: number;
}

export function progressRecord(
  profile: string,
  job: string,
  progress: MediaProgress,
): TranscodeProgressRecord {
  return {
    phase: 'transcode',
    profile,
    job,
    ...(progress.percent === undefined ? {} : { percent: Math.floor(progress.percent * 10) / 10 }),
    ...(progress.outTimeSeconds === undefined ? {} : { outTimeSeconds: progress.outTimeSeconds }),
    ...(progress.speed === undefined ? {} : { speed: progress.speed }),
    ...(progress.frame === undefined ? {} : { frame: progress.frame }),
  };
}

/** A progress listener feeding `heartbeat` at most every `intervalMs` (and always for the last block). */
export function heartbeatProgress(
  heartbeat: (progress: unknown) => Promise<void>,
  describe: { profile: string; job: string },
  intervalMs = 2_000,
  now: () => number = Date.now,
): (progress: MediaProgress) => void {
  let last = -Infinity;
  return (progress) => {
    const at = now();
    if (!progress.done && at - last < intervalMs) return;
    last = at;
    // A failed renewal surfaces through the job's abort signal; nothing to do here.
    void heartbeat(progressRecord(describe.profile, describe.job, progress)).catch(() => undefined);
  };
}
