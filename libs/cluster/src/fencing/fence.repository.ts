// The fenced transaction. It locks the lease row FOR KEY SHARE, checks the term, runs the caller's
// writes, records the audit row and commits, all in one transaction.
//
// Why FOR KEY SHARE is enough: the term is a key column (unique index cluster_leases_term_key,
// migration 0011), so a term change is an UPDATE of a key column, which takes FOR UPDATE and must
// wait for every key-share lock to be released; a lock taken after such an UPDATE committed sees
// the new term. So a fenced write and a term change are linearized: the write commits before the
// new term exists, or it sees the new term and is refused. The leader's renewal changes no key
// column (FOR NO KEY UPDATE), so it is not held up by the leader's own fenced batches.
import { type Pool, type PoolClient, type QueryResultRow } from 'pg';

import { inTransaction } from './transaction.repository';
import { FENCE_DEFAULTS, type FenceContext, type FenceOptions, judgeFence, StaleTermError } from './fence';

// One round trip: lock + check + audit. The audit row is inserted only when the check passes;
// the outer SELECT reports the lease either way, for the error.
const LOCK_CHECK_AND_AUDIT = `
WITH lease AS (
  SELECT term, leader_worker_id, (leader_node_id IS NOT NULL AND expires_at > clock_timestamp()) AS live
    FROM portico.cluster_leases
   WHERE cluster_id = $1
     FOR KEY SHARE
), audit AS (
  INSERT INTO portico.fenced_writes (cluster_id, term, node_id, worker_id, action, subject)
  SELECT $1, lease.term, $3, $4, $5, $6
    FROM lease
   WHERE lease.term = $2 AND lease.leader_worker_id = $4 AND lease.live
  RETURNING id
)
SELECT lease.term, lease.leader_worker_id, lease.live, (SELECT id FROM audit) AS audit_id
  FROM lease`;

interface LeaseCheckRow {
  term: string;
  leader_worker_id: string | null;
  live: boolean;
  audit_id: string | null;
}

/**
 * Runs `write` in one transaction that commits only if `context.term` is the current, unexpired
 * lease of `context.workerId`; otherwise rolls back and throws StaleTermError. An error thrown by
 * `write` rolls everything back (audit row included) and is rethrown.
 */
export async function withFence<T>(
  pool: Pool,
  context: FenceContext,
  write: (client: PoolClient) => Promise<T>,
  options: FenceOptions = {},
): Promise<T> {
  const o = { ...FENCE_DEFAULTS, ...options };
  return inTransaction(pool, o, async (client, query) => {
    const [row] = (
      await query<LeaseCheckRow>(LOCK_CHECK_AND_AUDIT, [
        context.clusterId,
        context.term,
        context.nodeId,
        context.workerId,
        context.action,
        context.subject ?? null,
      ])
    ).rows;
    const verdict = judgeFence(
      row && { term: Number(row.term), leaderWorkerId: row.leader_worker_id, live: row.live },
      context,
    );
    if (!verdict.ok) throw new StaleTermError(context, verdict.currentTerm, verdict.reason);
    if (row?.audit_id === null) throw new Error('fenced write: the audit row was not recorded');
    return write(client);
  });
}

/**
 * A fenced transaction with one statement of the caller's (a simple fenced UPDATE or INSERT);
 * resolves with its rows and row count.
 */
export async function fencedQuery<R extends QueryResultRow = QueryResultRow>(
  pool: Pool,
  context: FenceContext,
  text: string,
  values: readonly unknown[] = [],
  options: FenceOptions = {},
): Promise<{ rows: R[]; rowCount: number }> {
  return withFence(
    pool,
    context,
    async (client) => {
      const result = await client.query<R>(text, [...values]);
      return { rows: result.rows, rowCount: result.rowCount ?? 0 };
    },
    options,
  );
}
