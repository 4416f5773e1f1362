// The expiry reaper: the leader, fenced by its term, gives the jobs of expired leases back to the
// queue at once (or to the dead letter when their retries are spent). pg-boss's own supervisor
// finds dead work only about once a minute, and only by the job's total age; this runs every
// second or so and goes by the lease, which a live worker keeps renewing.
import { withFence, type FenceContext } from '@portico/cluster';
import { clusterQueuePrefix, deadLetterQueueName } from '@portico/jobs-contracts';
import { type Pool, type PoolClient } from 'pg';
import { type PgBoss } from 'pg-boss';

import { bossDb, bossSchema } from './transaction.repository';

export interface ReapOptions {
  readonly boss: PgBoss;
  /** The cluster's visibility_timeout: how long a claimed job may go without an attempt row. */
  readonly visibilitySeconds: number;
  /** At most this many leases per run (the next run takes the rest). Default 500. */
  readonly limit?: number;
  readonly bossSchema?: string;
}

export interface ReapedJob {
  readonly queue: string;
  readonly jobId: string;
  readonly attempt: number;
  /** The expired attempt, or null for a claim that never got an attempt row. */
  readonly attemptId: string | null;
  readonly workerId: string | null;
}

export interface ReapResult {
  /** Active attempts whose lease ran out. */
  readonly expired: ReapedJob[];
  /** Jobs pg-boss had active with no attempt row for longer than the visibility timeout. */
  readonly orphaned: ReapedJob[];
}

export const REAP_ACTION = 'reap-job-leases';

/**
 * Leader-only, fenced by `fence` (its term must still be current, else StaleTermError and nothing
 * changes). Expired attempts become `expired`; their jobs are failed for retry through pg-boss
 * (dead-lettered with the expiry as last error when out of retries) and a retry is runnable now.
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
    // SKIP LOCKED: an attempt inside withAttemptFence right now is taken on the next run instead
    // of stalling the leader behind a handler's transaction.
    const expired = (
      await client.query<{
        queue: string;
        job_id: string;
        attempt: number;
        attempt_id: string;
        worker_id: string;
      }>(
        `UPDATE portico.job_attempts a
            SET state = 'expired', finished_at = clock_timestamp(),
                last_error = 'lease expired at ' || a.leased_until::text || ' (worker ' || a.worker_id::text || ')'
          WHERE a.attempt_id IN (
                  SELECT attempt_id FROM portico.job_attempts
                   WHERE cluster_id = $1 AND state = 'active' AND leased_until < clock_timestamp()
                   ORDER BY leased_until
                   LIMIT $2
                     FOR UPDATE SKIP LOCKED)
            AND a.state = 'active' AND a.leased_until < clock_timestamp()
          RETURNING a.queue, a.job_id, a.attempt, a.attempt_id, a.worker_id`,
        [clusterId, limit],
      )
    ).rows.map((row) => ({
      queue: row.queue,
      jobId: row.job_id,
      attempt: row.attempt,
      attemptId: row.attempt_id,
      workerId: row.worker_id,
    }));

    const orphaned = (
      await client.query<{ name: string; id: string; retry_count: number }>(
        `SELECT j.name, j.id, j.retry_count
           FROM ${schema}.job j
          WHERE j.name LIKE $1 AND j.name <> $2
            AND j.state = 'active'
            AND j.started_on < clock_timestamp() - make_interval(secs => $3)
            AND NOT EXISTS (
                  SELECT 1 FROM portico.job_attempts a WHERE a.job_id = j.id AND a.attempt = j.retry_count)
          LIMIT $4`,
        [
          `${clusterQueuePrefix(clusterId)}%`,
          deadLetterQueueName(clusterId),
          options.visibilitySeconds,
          limit,
        ],
      )
    ).rows.map((row) => ({
      queue: row.name,
      jobId: row.id,
      attempt: row.retry_count,
      attemptId: null,
      workerId: null,
    }));

    await requeue(client, options.boss, schema, expired, 'lease expired: the worker stopped renewing it');
    await requeue(
      client,
      options.boss,
      schema,
      orphaned,
      'claim expired: the worker never opened an attempt (it died between fetch and lease)',
    );
    return { expired, orphaned };
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
