import type { StorageStatus } from '@portico/control-plane-client';

/** The latest scan run of a storage's cluster, as the database has it (database clock). */
export interface StatusScanRun {
  readonly state: 'running' | 'completed' | 'failed';
  readonly startedAt: Date;
  /** Moves with every committed batch. */
  readonly updatedAt: Date;
  readonly finishedAt: Date | null;
  /** Files whose batch is committed. */
  readonly filesListed: number;
  /** The index was empty when it started: nothing tells how many files are left. */
  readonly initial: boolean;
  readonly indexFilesAtStart: number;
  /** What the scanner warned about (kind as the scanner names it: removals-held, mount-suspect, ...). */
  readonly warnings: ReadonlyArray<{ readonly kind: string; readonly message: string }>;
}

export interface StatusStorage {
  readonly id: string;
  readonly name: string;
  readonly run: StatusScanRun | null;
  readonly lastCompletedAt: Date | null;
  readonly pendingRemovals: number;
  readonly approvalsWaiting: number;
  /** Why the oldest open approval waits, if the leader said so. */
  readonly waitingReason: string | null;
}

/** What the current leader last reported of its scan (telemetry `storage.scan`), and when it arrived. */
export interface LeaderScanReport {
  readonly found: number;
  readonly processed: number;
  readonly ratePerSecond: number;
  /** The database time the report was received (the node's last_seen_at). */
  readonly receivedAt: Date;
}

/**
 * A storage's scan for `portico status`. The database says whether a run is going on and what it
 * has committed; the leader's telemetry, when it is about this run (received after the run started
 * and not behind its checkpoint), adds what the walk found but has not committed yet and the
 * leader's own rate.
 */
export function deriveStorageStatus(storage: StatusStorage, leader: LeaderScanReport | null): StorageStatus {
  const { run } = storage;
  const scanning = run?.state === 'running';
  const live =
    scanning &&
    leader !== null &&
    leader.receivedAt.getTime() >= run.startedAt.getTime() &&
    leader.processed >= run.filesListed;
  const processed = live ? leader.processed : (run?.filesListed ?? 0);
  const found = live ? Math.max(leader.found, processed) : processed;
  let left: number | null = 0;
  if (scanning) left = run.initial ? null : Math.max(0, run.indexFilesAtStart - processed);
  // "removals held" is over once they are approved and applied (or came back).
  const warnings = (run?.warnings ?? [])
    .filter((warning) => warning.kind !== 'removals-held' || storage.pendingRemovals > 0)
    .map((warning) => warning.message);
  if (storage.waitingReason) warnings.push(`an approval of removals waits: ${storage.waitingReason}`);
  return {
    id: storage.id,
    name: storage.name,
    scan: {
      state: scanning ? 'scanning' : 'idle',
      found,
      processed,
      left,
      ratePerSecond: live ? Math.max(0, leader.ratePerSecond) : committedRate(run),
      source: live ? 'leader' : 'database',
      startedAt: run ? run.startedAt.toISOString() : null,
      lastCompletedAt: storage.lastCompletedAt ? storage.lastCompletedAt.toISOString() : null,
    },
    pendingRemovals: storage.pendingRemovals,
    approvalsWaiting: storage.approvalsWaiting,
    warnings,
  };
}

/** Committed files per second from the run's start to its last commit (or its end). */
function committedRate(run: StatusScanRun | null): number {
  if (!run) return 0;
  const seconds = ((run.finishedAt ?? run.updatedAt).getTime() - run.startedAt.getTime()) / 1000;
  return seconds > 0 ? run.filesListed / seconds : 0;
}
