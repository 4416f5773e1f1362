// The leader's side of operators' approvals of held removals (portico.removal_approvals, written
// by the control plane): which are open, why one waits, and what applying it did. Writes run in
// the caller's fenced transaction.
import type { Pool, PoolClient } from 'pg';

type Queryable = Pick<Pool, 'query'> | Pick<PoolClient, 'query'>;

export interface OpenApproval {
  readonly id: string;
  /** null: every removal held by runs up to `upToRun`. */
  readonly paths: readonly string[] | null;
  /** A bigint, as text. */
  readonly upToRun: string | null;
  readonly requestedBy: string;
  readonly requestedAt: Date;
  readonly waitingReason: string | null;
}

export interface AppliedTotals {
  readonly removed: number;
  readonly cancelled: number;
  readonly kept: number;
}

const OPEN = `
SELECT id, paths, up_to_run::text AS up_to_run, requested_by, requested_at, waiting_reason
  FROM portico.removal_approvals
 WHERE cluster_id = $1 AND state = 'pending'
 ORDER BY seq
 LIMIT $2`;

const MARK_WAITING = `
UPDATE portico.removal_approvals SET waiting_reason = $2, waiting_since = coalesce(waiting_since, now())
 WHERE id = $1 AND state = 'pending'`;

/** Committed with each page of removals: the counts are exact even if a new leader finishes the job. */
const ADD_PAGE = `
UPDATE portico.removal_approvals SET removed = removed + $2, cancelled = cancelled + $3
 WHERE id = $1 AND state = 'pending'`;

/** `kept` is the last pass's: those files are still held, whatever earlier passes saw. */
const MARK_APPLIED = `
UPDATE portico.removal_approvals
   SET state = 'applied', applied_at = now(), applied_term = $2, applied_by = $3, kept = $4, waiting_reason = NULL
 WHERE id = $1 AND state = 'pending'
RETURNING removed, cancelled, kept`;

export class RemovalApprovalsRepository {
  /** The cluster's open approvals, oldest first. */
  async open(db: Queryable, clusterId: string, limit: number): Promise<OpenApproval[]> {
    const { rows } = await db.query<{
      id: string;
      paths: string[] | null;
      up_to_run: string | null;
      requested_by: string;
      requested_at: Date;
      waiting_reason: string | null;
    }>(OPEN, [clusterId, limit]);
    return rows.map((row) => ({
      id: row.id,
      paths: row.paths,
      upToRun: row.up_to_run,
      requestedBy: row.requested_by,
      requestedAt: row.requested_at,
      waitingReason: row.waiting_reason,
    }));
  }

  async markWaiting(client: PoolClient, approvalId: string, reason: string): Promise<void> {
    await client.query(MARK_WAITING, [approvalId, reason]);
  }

  async addPage(
    client: PoolClient,
    approvalId: string,
    page: { removed: number; cancelled: number },
  ): Promise<void> {
    await client.query(ADD_PAGE, [approvalId, page.removed, page.cancelled]);
  }

  /** Undefined when it was applied already (by an earlier pass of this or another leader). */
  async markApplied(
    client: PoolClient,
    approvalId: string,
    applied: { term: number; nodeId: string; kept: number },
  ): Promise<AppliedTotals | undefined> {
    const { rows } = await client.query<AppliedTotals>(MARK_APPLIED, [
      approvalId,
      applied.term,
      applied.nodeId,
      applied.kept,
    ]);
    return rows[0];
  }
}
