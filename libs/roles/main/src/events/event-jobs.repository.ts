// Where the leader learns how an event's jobs ended: their rows in pg-boss. A job is over when
// pg-boss holds it completed, failed (no retry left: it went to the dead letter) or cancelled;
// a job that is no longer stored at all (retention, an operator) is over too, outcome unknown.
import type { PoolClient } from 'pg';

/** One page of running events and the jobs they still wait for. */
export interface PendingPage {
  readonly events: ReadonlyArray<{
    readonly id: string;
    readonly seq: string;
    readonly pendingJobs: readonly string[];
  }>;
}

export interface JobEnd {
  readonly jobId: string;
  readonly state: 'completed' | 'failed' | 'cancelled' | 'missing';
  /** The failure's message as the job runtime recorded it. */
  readonly message: string | null;
}

const FINAL_STATES = ['completed', 'failed', 'cancelled'];

export class EventJobsRepository {
  constructor(private readonly bossSchema = 'pgboss') {
    if (!/^[a-z_][a-z0-9_]*$/.test(bossSchema))
      throw new Error(`pg-boss schema "${bossSchema}" is not a plain lower-case identifier`);
  }

  /** Running, dispatched events of the cluster after `afterSeq`, oldest first, at most `limit`. */
  async pendingPage(
    db: Pick<PoolClient, 'query'>,
    clusterId: string,
    afterSeq: string,
    limit: number,
  ): Promise<PendingPage> {
    const { rows } = await db.query<{ id: string; seq: string; pending_jobs: string[] }>(
      `SELECT e.id, e.seq::text AS seq, e.pending_jobs FROM portico.events e
        WHERE e.cluster_id = $1 AND e.state = 'running' AND e.dispatched_at IS NOT NULL AND e.seq > $2::bigint
        ORDER BY e.seq LIMIT $3`,
      [clusterId, afterSeq, limit],
    );
    return { events: rows.map((row) => ({ id: row.id, seq: row.seq, pendingJobs: row.pending_jobs ?? [] })) };
  }

  /** Which of these jobs (of these queues) are over, and how. Jobs still queued or running are left out. */
  async ended(
    db: Pick<PoolClient, 'query'>,
    queues: readonly string[],
    jobIds: readonly string[],
  ): Promise<JobEnd[]> {
    if (jobIds.length === 0) return [];
    const { rows } = await db.query<{ id: string; state: string; message: string | null }>(
      `SELECT j.id, j.state::text AS state,
              coalesce(j.output ->> 'message', j.output -> 'value' ->> 'message', left(j.output::text, 500)) AS message
         FROM ${this.bossSchema}.job j
        WHERE j.name = ANY ($1::text[]) AND j.id = ANY ($2::uuid[])`,
      [[...queues], [...jobIds]],
    );
    const stored = new Map(rows.map((row) => [row.id, row]));
    const ends: JobEnd[] = [];
    for (const jobId of jobIds) {
      const row = stored.get(jobId);
      if (!row) ends.push({ jobId, state: 'missing', message: null });
      else if (FINAL_STATES.includes(row.state))
        ends.push({ jobId, state: row.state as JobEnd['state'], message: row.message });
    }
    return ends;
  }
}
