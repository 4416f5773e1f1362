import type { NodeStatus } from '@portico/control-plane-client';

/**
 * How the control plane turns telemetry into a node's status (SPEC 1, 2.7). A node that misses
 * this many of its reporting intervals is Offline; a second worker instance seen within the
 * same window is a live duplicate.
 */
export const MISSED_INTERVALS = 3;

/** The window within which an instance that reported counts as alive, in seconds. */
export function livenessWindowSeconds(intervalSeconds: number): number {
  return MISSED_INTERVALS * intervalSeconds;
}

/** True when a node that reported at `lastSeenAt` every `intervalSeconds` has gone silent at `now`. */
export function isSilent(lastSeenAt: Date | null, intervalSeconds: number | null, now: Date): boolean {
  if (lastSeenAt === null || intervalSeconds === null) return false;
  return lastSeenAt.getTime() < now.getTime() - livenessWindowSeconds(intervalSeconds) * 1000;
}

export function offlineReason(lastSeenAt: Date, now: Date): string {
  return `no telemetry for ${Math.floor((now.getTime() - lastSeenAt.getTime()) / 1000)}s`;
}

/** The first 8 characters of a worker id: enough to tell two instances apart in a message. */
export function shortWorkerId(workerId: string): string {
  return workerId.slice(0, 8);
}

export interface ReportedState {
  readonly status: NodeStatus;
  readonly statusReason?: string | null;
  readonly workerId: string;
}

export interface DerivedStatus {
  readonly status: NodeStatus;
  readonly statusReason: string | null;
}

/**
 * The status recorded for a node after one report. `otherLiveWorkers` are the other worker
 * instances of the node that reported within the liveness window and did not stop: any of them
 * makes the node Warning (Error stays Error, it is worse), with a reason naming the instances.
 * A Stopped report is taken as is: that instance shut down cleanly.
 */
export function deriveReportedStatus(
  report: ReportedState,
  otherLiveWorkers: readonly string[],
): DerivedStatus {
  const own = { status: report.status, statusReason: report.statusReason ?? null };
  if (report.status === 'Stopped' || otherLiveWorkers.length === 0) return own;
  const ids = [report.workerId, ...otherLiveWorkers].map(shortWorkerId).join(', ');
  const duplicate = `${otherLiveWorkers.length + 1} worker instances report this node id (${ids}): run one process per node id, or register each with a join token`;
  if (report.status === 'Error') {
    return {
      status: 'Error',
      statusReason: own.statusReason ? `${own.statusReason}; ${duplicate}` : duplicate,
    };
  }
  return {
    status: 'Warning',
    statusReason:
      report.status === 'Warning' && own.statusReason ? `${duplicate}; ${own.statusReason}` : duplicate,
  };
}
