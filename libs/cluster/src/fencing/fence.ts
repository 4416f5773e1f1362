// Fencing: a leader-only write succeeds only while the term it was decided under is still the
// current, unexpired lease of the worker that makes it. This file holds the pure parts (the
// context, the verdict, the error); the transaction that enforces it is in fence.repository.ts.

/** Who writes, under which term, and what (recorded in portico.fenced_writes). */
export interface FenceContext {
  readonly clusterId: string;
  readonly term: number;
  readonly nodeId: string;
  readonly workerId: string;
  /** Short verb for the audit row, e.g. 'mark-offline', 'ingest', 'consume-event'. */
  readonly action: string;
  /** What the write is about (a node id, a file path, an event id), for the audit row. */
  readonly subject?: string | null;
}

/** The lease row as the fence sees it, under its lock. */
export interface FencedLease {
  readonly term: number;
  readonly leaderWorkerId: string | null;
  /** Computed by the database: a leader holds it and expires_at > clock_timestamp(). */
  readonly live: boolean;
}

export type FenceVerdict =
  | { readonly ok: true }
  | { readonly ok: false; readonly currentTerm: number | null; readonly reason: string };

export function judgeFence(lease: FencedLease | undefined, context: FenceContext): FenceVerdict {
  if (!lease) return { ok: false, currentTerm: null, reason: 'the cluster has no leader lease' };
  if (lease.term !== context.term) {
    return {
      ok: false,
      currentTerm: lease.term,
      reason: `term ${context.term} was superseded by term ${lease.term}`,
    };
  }
  if (lease.leaderWorkerId !== context.workerId) {
    return { ok: false, currentTerm: lease.term, reason: `term ${lease.term} belongs to another worker` };
  }
  if (!lease.live) {
    return {
      ok: false,
      currentTerm: lease.term,
      reason: `the lease of term ${lease.term} has expired or was released`,
    };
  }
  return { ok: true };
}

/** A leader-only write was refused because its term is no longer current; nothing was written. */
export class StaleTermError extends Error {
  constructor(
    readonly context: FenceContext,
    readonly currentTerm: number | null,
    readonly reason: string,
  ) {
    super(
      `Fenced write "${context.action}"${context.subject ? ` on ${context.subject}` : ''} refused for node ` +
        `${context.nodeId} in cluster ${context.clusterId}: ${reason}. Nothing was written; this node is no ` +
        'longer the leader and must stop leader-only work.',
    );
    this.name = 'StaleTermError';
  }
}

export interface FenceOptions {
  /** Client-side bound of each query in the fenced transaction. Default 1000 ms. */
  readonly queryTimeoutMs?: number;
  /** Longest statement inside the fenced transaction. Default 1000 ms. */
  readonly statementTimeoutMs?: number;
  /** Longest wait for a lock. Default 1000 ms. */
  readonly lockTimeoutMs?: number;
  /**
   * A client silent this long inside the fenced transaction loses its session. Default 1000 ms:
   * a leader paused mid-write must not hold the lease row (and so the takeover) for long.
   */
  readonly idleInTransactionTimeoutMs?: number;
}

/**
 * Fenced transactions hold a share lock on the lease row, which the leader's own renewal waits
 * for: keep them short (one batch, milliseconds), well under the renew interval.
 */
export const FENCE_DEFAULTS: Required<FenceOptions> = {
  queryTimeoutMs: 1000,
  statementTimeoutMs: 1000,
  lockTimeoutMs: 1000,
  idleInTransactionTimeoutMs: 1000,
};
