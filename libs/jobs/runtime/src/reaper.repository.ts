// The expiry reaper: the leader, fenced by its term, gives the jobs of expired leases back to the
// queue at once (or to the dead letter when their retries are spent). pg-boss's own supervisor
// finds dead work only about once a minute, and only by the job's total age; this runs every
// second or so and goes by the lease (the job row's heartbeat_on), which a live worker renews.
import { withFence, type FenceContext } from '@portico/cluster';
import { clusterQueuePrefix, deadLetterQueueName } from '@portico/jobs-contracts';
import { type Pool, type PoolClient } from 'pg';
import { type PgBoss } from 'pg-boss';

import { ATTEMPT_ID_SQL } from './lease.repository';
import { bossDb, bossSchema, startsWithPattern } from './transaction.repository';

export interface ReapOptions {
  readonly boss: PgBoss;
  /** The cluster's visibility_timeout: a claim whose heartbeat is older than this has expired. */
  readonly visibilitySeconds: number;
  /** At most this many leases per run (the next run takes the rest). Default 500. */
  readonly limit?: number;
  readonly bossSchema?: string;
}

export interface ReapedJob {
  readonly queue: string;
  readonly jobId: string;
  readonly attempt: number;
  readonly attemptId: string;
  /** The worker and node that held it, when the attempt heartbeated at least once (else null). */
  readonly workerId: string | null;
  readonly nodeId: string | null;
}

export interface ReapResult {
  /** Claims whose lease ran out, now back in their queues (or dead-lettered). */
  readonly expired: ReapedJob[];
}

export const REAP_ACTION = 'reap-job-leases';

/**
 * Leader-only, fenced by `fence` (its term must still be current, else StaleTermError and nothing
 * changes). Active jobs of the cluster whose heartbeat is older than the visibility timeout are
 * failed for retry through pg-boss (dead-lettered with the expiry as last error when out of
 * retries), a retry is runnable now, and each expired attempt is recorded as `expired`.
 */
export async function reapExpiredLeases(
  pool: Pool,
  fence: FenceContext,
  clusterId: string,
  options: ReapOptions,
): Promise<ReapResult> {
  if (fence.clusterId !== clusterId) {
    throw new Error(`reaper of cluster ${clusterId} was given the fence of cluster ${fence.clusterId}`);
  }
  const schema = bossSchema(options.bossSchema);
  const limit = options.limit ?? 500;
  return withFence(pool, fence, async (client) => {
    // SKIP LOCKED: a job inside withAttemptFence right now (FOR SHARE) is taken on the next run
    // instead of stalling the leader behind a handler's transaction. The attempt row is written
    // (or closed, keeping the node and worker it recorded) in the same statement.
    const expired = (
      await client.query<{
        queue: string;
        job_id: string;
        attempt: number;
        attempt_id: string;
        worker_id: string | null;
        node_id: string | null;
      }>(
        `WITH lapsed AS (
           SELECT j.name, j.id, j.retry_count, j.started_on, j.heartbeat_on, ${ATTEMPT_ID_SQL('j.')} AS attempt_id
             FROM ${schema}.job j
            WHERE j.name LIKE $2 AND j.name <> $3
              AND j.state = 'active'
              AND j.heartbeat_on < ${schema}.job_now() - make_interval(secs => $4)
            ORDER BY j.heartbeat_on
            LIMIT $5
              FOR UPDATE SKIP LOCKED
         )
         INSERT INTO portico.job_attempts AS a
                (attempt_id, cluster_id, queue, job_id, attempt, state, leased_until, started_at,
                 finished_at, last_error)
         SELECT attempt_id, $1, name, id, retry_count, 'expired',
                heartbeat_on + make_interval(secs => $4), started_on, clock_timestamp(),
                'lease expired at ' || (heartbeat_on + make_interval(secs => $4))::text
           FROM lapsed
         ON CONFLICT (job_id, attempt) DO UPDATE
            SET state = 'expired', finished_at = EXCLUDED.finished_at,
                leased_until = EXCLUDED.leased_until,
                last_error = EXCLUDED.last_error || ' (worker ' || coalesce(a.worker_id::text, '?') || ')'
         RETURNING a.queue, a.job_id, a.attempt, a.attempt_id, a.worker_id, a.node_id`,
        [
          clusterId,
          startsWithPattern(clusterQueuePrefix(clusterId)),
          deadLetterQueueName(clusterId),
          options.visibilitySeconds,
          limit,
        ],
      )
    ).rows.map((row) => ({
      queue: row.queue,
      jobId: row.job_id,
      attempt: row.attempt,
      attemptId: row.attempt_id,
      workerId: row.worker_id,
      nodeId: row.node_id,
    }));
    await requeue(client, options.boss, schema, expired, 'lease expired: the worker stopped renewing it');
    return { expired };
  });
}

async function requeue(
  client: PoolClient,
  boss: PgBoss,
  schema: string,
  jobs: readonly ReapedJob[],
  message: string,
): Promise<void> {
  const byQueue = new Map<string, ReapedJob[]>();
  for (const job of jobs) byQueue.set(job.queue, [...(byQueue.get(job.queue) ?? []), job]);
  const db = bossDb(client);
  for (const [queue, queued] of byQueue) {
    // Fenced by (id, retry_count) on pg-boss's side too: a job claimed again meanwhile is left alone.
    await boss.fail(
      queue,
      queued.map((job) => ({ id: job.jobId, retryCount: job.attempt })),
      { message, errorName: 'LeaseExpired' },
      { db },
    );
    // pg-boss schedules the retry after its backoff; a lost lease is not a failure of the job's
    // own making worth waiting for, so it is runnable at once.
    await client.query(
      `UPDATE ${schema}.job SET start_after = now() WHERE name = $1 AND id = ANY($2::uuid[]) AND state = 'retry'`,
      [queue, queued.map((job) => job.jobId)],
    );
  }
}
