// Queue depths and active leases of one cluster, for /metrics, telemetry and `portico jobs`.
// Counted from pg-boss's job table (by queue-name prefix), where the leases live, in one round trip.
import { clusterQueuePrefix, deadLetterQueueName } from '@portico/jobs-contracts';

import { bossSchema, type Queryable, startsWithPattern } from './transaction.repository';

export interface QueueDepth {
  readonly queue: string;
  /** Waiting to run now or later (pg-boss created + retry). */
  readonly queued: number;
  /** Of those, waiting for a retry's backoff or a delayed start. */
  readonly deferred: number;
  /** Claimed by a worker. */
  readonly active: number;
  /** Of the active ones, claims whose lease is live (heartbeat within the visibility timeout). */
  readonly leases: number;
  /** Failed for good and kept for inspection (pg-boss `failed`). */
  readonly failed: number;
  /** Jobs of this queue waiting in the cluster's dead-letter queue for an operator. */
  readonly dead: number;
}

const DEPTHS = (schema: string): string => `
WITH jobs AS (
  SELECT name AS queue,
         count(*) FILTER (WHERE state IN ('created', 'retry'))::int AS queued,
         count(*) FILTER (WHERE state IN ('created', 'retry') AND start_after > now())::int AS deferred,
         count(*) FILTER (WHERE state = 'active')::int AS active,
         count(*) FILTER (WHERE state = 'active'
                            AND ($3::float8 IS NULL
                                 OR heartbeat_on > ${schema}.job_now() - make_interval(secs => $3)))::int AS leases,
         count(*) FILTER (WHERE state = 'failed')::int AS failed
    FROM ${schema}.job
   WHERE name LIKE $1 AND state IN ('created', 'retry', 'active', 'failed')
   GROUP BY name),
dead AS (
  SELECT source_name AS queue, count(*)::int AS dead
    FROM ${schema}.job
   WHERE name = $2 AND state IN ('created', 'retry')
   GROUP BY source_name),
queues AS (SELECT name AS queue FROM ${schema}.queue WHERE name LIKE $1)
SELECT q.queue, coalesce(j.queued, 0) AS queued, coalesce(j.deferred, 0) AS deferred,
       coalesce(j.active, 0) AS active, coalesce(j.leases, 0) AS leases, coalesce(j.failed, 0) AS failed,
       coalesce(d.dead, 0) AS dead
  FROM queues q LEFT JOIN jobs j USING (queue) LEFT JOIN dead d USING (queue)
 ORDER BY q.queue`;

/**
 * Every queue of the cluster (the dead-letter queue included), with zeros for empty ones. Without
 * `visibilitySeconds` every active claim counts as a lease (it is one until the leader reaps it).
 */
export async function queueDepths(
  db: Queryable,
  clusterId: string,
  options: { bossSchema?: string; visibilitySeconds?: number } = {},
): Promise<QueueDepth[]> {
  const { rows } = await db.query(DEPTHS(bossSchema(options.bossSchema)), [
    startsWithPattern(clusterQueuePrefix(clusterId)),
    deadLetterQueueName(clusterId),
    options.visibilitySeconds ?? null,
  ]);
  return rows as QueueDepth[];
}

/** The table that holds a queue's jobs (`pgboss.job_common` unless the queue is partitioned). */
export async function queueTable(db: Queryable, queue: string, schema = 'pgboss'): Promise<string> {
  const checked = bossSchema(schema);
  const { rows } = await db.query(`SELECT table_name FROM ${checked}.queue WHERE name = $1`, [queue]);
  const table = (rows[0] as { table_name?: string } | undefined)?.table_name;
  if (!table) throw new Error(`queue ${queue} does not exist in schema ${checked}; create it first`);
  return `${checked}.${table}`;
}
