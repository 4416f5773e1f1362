// Transfer progress → the job's heartbeat (recorded progress, renewed lease). The object store
// reports every 250 ms; each heartbeat is a database write, so at most one per interval is sent,
// plus the last one.
import { type TransferProgress } from '@portico/object-store';

export interface ProgressRecord {
  readonly phase: string;
  readonly bytes: number;
  readonly totalBytes: number;
  readonly bytesPerSecond: number;
  readonly percent: number;
}

export function progressRecord(phase: string, progress: TransferProgress): ProgressRecord {
  const total = progress.bytesTotal;
  return {
    phase,
    bytes: progress.bytesDone,
    totalBytes: total,
    bytesPerSecond: Math.round(progress.bytesPerSecond),
    percent: total > 0 ? Math.min(100, Math.floor((100 * progress.bytesDone) / total)) : 100,
  };
}

/** A progress listener feeding `heartbeat` at most every `intervalMs` (and always at 100 %). */
export function heartbeatProgress(
  heartbeat: (progress: unknown) => Promise<void>,
  phase: string,
  intervalMs = 2_000,
  now: () => number = Date.now,
): (progress: TransferProgress) => void {
  let last = -Infinity;
  return (progress) => {
    const record = progressRecord(phase, progress);
    const at = now();
    if (record.percent < 100 && at - last < intervalMs) return;
    last = at;
    // A failed renewal surfaces through the job's abort signal; nothing to do here.
    void heartbeat(record).catch(() => undefined);
  };
}
