// Which hashing progress reports become lease heartbeats (with the progress recorded on the
// attempt). The hasher reports at most once a second while it reads, and once more at the end of
// the read; that last report is followed at once by the job's completion, which ends the lease
// anyway. Heartbeating it would cost two database writes per file (the renewal and the attempt
// row it opens) and, for a small file, be its only heartbeat: bench/pipeline measured those
// writes at a third of the database time of the small-file pipeline.
import type { HashProgress } from '@portico/storage';

export interface ChecksumProgress {
  readonly bytes: number;
  readonly totalBytes: number;
  readonly percent: number;
}

/** The progress to heartbeat with, or undefined when the report is the end of the read. */
export function heartbeatProgress(progress: HashProgress): ChecksumProgress | undefined {
  if (progress.bytesHashed >= progress.totalBytes) return undefined;
  return {
    bytes: progress.bytesHashed,
    totalBytes: progress.totalBytes,
    percent: Math.floor((100 * progress.bytesHashed) / progress.totalBytes),
  };
}
