// The lease protocol on PostgreSQL, kept on pg-boss's own job row.
//
// A claim is the lease: pg-boss's fetch makes the job `active`, bumps its retry_count (which names
// the attempt) and sets heartbeat_on; a renewal moves heartbeat_on forward; the leader's reaper ends
// a lease whose heartbeat is older than the visibility timeout by failing the job for retry. Every
// settle and every side effect is fenced by (job id, retry_count, state active), the same fence
// pg-boss applies to its own settles, so an attempt whose job moved on changes nothing.
//
// Nothing of ours is written for a job that runs once, briefly and well: that is what lets the
// runtime keep up with bare pg-boss (bench/queue). A row in portico.job_attempts records every
// attempt worth looking at later: one that heartbeated (with its node, worker and progress), failed,
// expired, was handed back, or completed a retry.
import { createHash } from 'node:crypto';

import { type Pool, type PoolClient } from 'pg';
import { type PgBoss } from 'pg-boss';

import { type LeaseLossReason, LostLeaseError } from './errors';
import { type BatchOutcome, GroupCommit } from './group-commit';
import {
  type Attempt,
  type FailureRecord,
  type FencedClient,
  type FetchedJob,
  LeaseStore,
  type WorkerIdentity,
} from './lease-store';
import { affected, bossDb, bossSchema, inTransaction, settledIds } from './transaction.repository';

export interface PgLeaseStoreOptions {
  /** pg-boss's schema. Default `pgboss`. */
  readonly bossSchema?: string;
}

/**
 * The id of attempt `attempt` (pg-boss's retry_count) at job `jobId`: md5 of `<job id>:<attempt>`
 * as a uuid, so the worker, the reaper and SQL name the same attempt without writing anything.
 * ATTEMPT_ID_SQL is the same function in SQL.
 */
export function attemptIdOf(jobId: string, attempt: number): string {
  const hex = createHash('md5').update(`${jobId.toLowerCase()}:${attempt}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** attemptIdOf in SQL, over a job row's `id` and `retry_count` columns (optionally qualified). */
export const ATTEMPT_ID_SQL = (alias = ''): string =>
  `md5(${alias}id::text || ':' || ${alias}retry_count::text)::uuid`;

interface LeaseRow {
  state: string;
  retry_count: number;
  fresh: boolean;
}

interface AttemptRow {
  state: string;
  worker_id: string | null;
}

/** Why an attempt whose fence failed lost its job, from the job row and its attempt row. */
function lossReason(
  job: LeaseRow | undefined,
  row: AttemptRow | undefined,
  attempt: Attempt,
): LeaseLossReason {
  switch (row?.state) {
    case 'expired':
      return 'reaped';
    case 'handed_back':
      return 'handed-back';
    case 'completed':
    case 'failed':
      return row.worker_id === null || row.worker_id === attempt.workerId ? 'finished' : 'other-worker';
    default:
      if (job && job.state === 'active' && job.retry_count === attempt.attempt && !job.fresh)
        return 'expired';
      return job ? 'job-moved-on' : 'unknown-attempt';
  }
}

interface Completion {
  readonly attempt: Attempt;
  /** The job's output as pg-boss stores it (an object), or null. */
  readonly output: unknown;
}

/** A handler's return value as pg-boss stores a job's output: an object as is, anything else wrapped. */
function completionOutput(output: unknown): unknown {
  if (output === null || output === undefined || typeof output === 'function') return null;
  return typeof output === 'object' && !Array.isArray(output) ? output : { value: output };
}

export class PgLeaseStore extends LeaseStore {
  private readonly schema: string;
  /** Completions are written in groups (see group-commit.ts). */
  private readonly completions = new GroupCommit<Completion>((items) => this.completeMany(items));
  /** Attempts of this process that have an attempt row (they heartbeated): settles close it. */
  private readonly recorded = new Set<string>();

  constructor(
    private readonly pool: Pool,
    private readonly boss: PgBoss,
    options: PgLeaseStoreOptions = {},
  ) {
    super();
    this.schema = bossSchema(options.bossSchema);
  }

  override async fetch(queue: string, limit: number): Promise<FetchedJob[]> {
    const jobs = await this.boss.fetch<unknown>(queue, { batchSize: limit });
    return jobs.map((job) => ({ id: job.id, retryCount: job.retryCount, data: job.data }));
  }

  override openAttempts(
    worker: WorkerIdentity,
    queue: string,
    jobs: readonly FetchedJob[],
    visibilitySeconds: number,
  ): Promise<Attempt[]> {
    // The claim pg-boss just made is the lease (heartbeat_on = now): nothing to write.
    const leasedUntil = new Date(Date.now() + visibilitySeconds * 1000);
    return Promise.resolve(
      jobs.map((job) => ({
        attemptId: attemptIdOf(job.id, job.retryCount),
        clusterId: worker.clusterId,
        queue,
        jobId: job.id,
        attempt: job.retryCount,
        workerId: worker.workerId,
        nodeId: worker.nodeId,
        leasedUntil,
        visibilitySeconds,
      })),
    );
  }

  override async renew(attempt: Attempt, visibilitySeconds: number, progress?: unknown): Promise<boolean> {
    // One statement: move the heartbeat while the claim is ours and unexpired, and record the
    // attempt (node, worker, progress) beside it.
    const { rows } = await this.pool.query<{ renewed: boolean }>(
      `WITH lease AS (
         UPDATE ${this.schema}.job
            SET heartbeat_on = ${this.schema}.job_now()
          WHERE name = $1 AND id = $2 AND retry_count = $3 AND state = 'active'
            AND heartbeat_on > ${this.schema}.job_now() - make_interval(secs => $4)
          RETURNING started_on
       ), recorded AS (
         INSERT INTO portico.job_attempts AS a
                (attempt_id, cluster_id, queue, job_id, attempt, worker_id, node_id, state,
                 leased_until, heartbeat_at, started_at, progress)
         SELECT $5, $6, $1, $2, $3, $7, $8, 'active',
                clock_timestamp() + make_interval(secs => $4), clock_timestamp(), lease.started_on, $9::jsonb
           FROM lease
         ON CONFLICT (job_id, attempt) DO UPDATE
            SET leased_until = EXCLUDED.leased_until, heartbeat_at = EXCLUDED.heartbeat_at,
                progress = COALESCE(EXCLUDED.progress, a.progress)
          WHERE a.state = 'active'
         RETURNING 1
       )
       SELECT EXISTS (SELECT 1 FROM lease) AS renewed`,
      [
        attempt.queue,
        attempt.jobId,
        attempt.attempt,
        visibilitySeconds,
        attempt.attemptId,
        attempt.clusterId,
        attempt.workerId,
        attempt.nodeId,
        progress === undefined ? null : JSON.stringify(progress),
      ],
    );
    const renewed = rows[0]?.renewed === true;
    // A lost lease is never settled by this process: forget it here, or the set grows forever.
    if (renewed) this.recorded.add(attempt.attemptId);
    else this.recorded.delete(attempt.attemptId);
    return renewed;
  }

  /** Why the fence refused `attempt`, read in `db` (inside the refusing transaction when there is one). */
  private async whyLost(db: FencedClient, attempt: Attempt): Promise<LeaseLossReason> {
    const { rows } = await db.query<{ job: LeaseRow | null; attempt: AttemptRow | null }>(
      `SELECT (SELECT json_build_object('state', state, 'retry_count', retry_count,
                      'fresh', heartbeat_on > ${this.schema}.job_now() - make_interval(secs => $4))
                 FROM ${this.schema}.job WHERE name = $1 AND id = $2) AS job,
              (SELECT json_build_object('state', state, 'worker_id', worker_id)
                 FROM portico.job_attempts WHERE job_id = $2 AND attempt = $3) AS attempt`,
      [attempt.queue, attempt.jobId, attempt.attempt, attempt.visibilitySeconds],
    );
    return lossReason(rows[0]?.job ?? undefined, rows[0]?.attempt ?? undefined, attempt);
  }

  private async lost(db: FencedClient, attempt: Attempt): Promise<LostLeaseError> {
    return new LostLeaseError(
      attempt.attemptId,
      attempt.queue,
      attempt.jobId,
      await this.whyLost(db, attempt),
    );
  }

  override complete(attempt: Attempt, output: unknown): Promise<void> {
    return this.completions.add({ attempt, output: completionOutput(output) });
  }

  /** Runs a settle of `attempt`; whatever its outcome, the attempt is done with in this process. */
  private async settling<T>(attempt: Attempt, settle: () => Promise<T>): Promise<T> {
    try {
      return await settle();
    } finally {
      this.recorded.delete(attempt.attemptId);
    }
  }

  /** A completed attempt gets a row when it already has one, or when it was a retry (history). */
  private worthARow(attempt: Attempt): boolean {
    return attempt.attempt > 0 || this.recorded.has(attempt.attemptId);
  }

  /** Writes the final state of attempts, creating the row when the attempt never heartbeated. */
  private async closeAttempts(
    client: PoolClient | Pool,
    attempts: readonly Attempt[],
    state: 'completed' | 'failed' | 'handed_back',
    lastError: string | null,
  ): Promise<void> {
    // started_at is the claim's, from pg-boss's row (still there after a settle; fail re-inserts it).
    await client.query(
      `INSERT INTO portico.job_attempts AS a
              (attempt_id, cluster_id, queue, job_id, attempt, worker_id, node_id, state,
               leased_until, started_at, finished_at, last_error)
       SELECT f.attempt_id, f.cluster_id, f.queue, f.job_id, f.attempt, f.worker_id, f.node_id, $8,
              clock_timestamp(), coalesce(j.started_on, clock_timestamp()), clock_timestamp(), $9
         FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::uuid[], $5::int[], $6::uuid[], $7::uuid[])
              AS f (attempt_id, cluster_id, queue, job_id, attempt, worker_id, node_id)
         LEFT JOIN ${this.schema}.job j ON j.name = f.queue AND j.id = f.job_id
       ON CONFLICT (job_id, attempt) DO UPDATE
          SET state = EXCLUDED.state, finished_at = EXCLUDED.finished_at,
              last_error = EXCLUDED.last_error, worker_id = EXCLUDED.worker_id, node_id = EXCLUDED.node_id
        WHERE a.state = 'active'`,
      [
        attempts.map((a) => a.attemptId),
        attempts.map((a) => a.clusterId),
        attempts.map((a) => a.queue),
        attempts.map((a) => a.jobId),
        attempts.map((a) => a.attempt),
        attempts.map((a) => a.workerId),
        attempts.map((a) => a.nodeId),
        state,
        lastError,
      ],
    );
  }

  /**
   * Completes a group of attempts, each fenced exactly as pg-boss fences one (id, retry_count,
   * active). The common case (first attempts that never heartbeated) is one statement per queue and
   * no transaction: pg-boss's complete for jobs without output, our statement for jobs with one
   * (pg-boss has it too, but only inside work()); a group that also closes attempt rows does it all
   * in one transaction.
   */
  private async completeMany(items: readonly Completion[]): Promise<BatchOutcome[]> {
    const byQueue = new Map<string, Completion[]>();
    for (const item of items) {
      const group = byQueue.get(item.attempt.queue);
      if (group) group.push(item);
      else byQueue.set(item.attempt.queue, [item]);
    }
    const settle = async (db: Pool | PoolClient): Promise<Attempt[]> => {
      const settled = new Set<string>();
      for (const [queue, group] of byQueue) {
        const bare = group.filter((item) => item.output === null).map((item) => item.attempt);
        if (bare.length > 0) {
          const response = await this.boss.complete(
            queue,
            bare.map((attempt) => ({ id: attempt.jobId, retryCount: attempt.attempt })),
            null,
            db === this.pool ? undefined : { db: bossDb(db) },
          );
          for (const id of settledIds(response)) settled.add(id);
        }
        const withOutput = group.filter((item) => item.output !== null);
        if (withOutput.length > 0) {
          const { rows } = await db.query<{ id: string }>(
            `UPDATE ${this.schema}.job j
                SET completed_on = ${this.schema}.job_now(), state = 'completed', output = i.output
               FROM json_to_recordset($2::json) AS i (id uuid, retry_count int, output jsonb)
              WHERE j.name = $1 AND j.id = i.id AND j.state = 'active' AND j.retry_count = i.retry_count
             RETURNING j.id`,
            [
              queue,
              JSON.stringify(
                withOutput.map(({ attempt, output }) => ({
                  id: attempt.jobId,
                  retry_count: attempt.attempt,
                  output,
                })),
              ),
            ],
          );
          for (const row of rows) settled.add(row.id);
        }
      }
      const refused = items.map((item) => item.attempt).filter((attempt) => !settled.has(attempt.jobId));
      const rows = items
        .map((item) => item.attempt)
        .filter((attempt) => this.worthARow(attempt) && settled.has(attempt.jobId));
      if (rows.length > 0) await this.closeAttempts(db, rows, 'completed', null);
      return refused;
    };
    const needsRows = items.some((item) => this.worthARow(item.attempt));
    let refused: Attempt[];
    try {
      refused = needsRows ? await inTransaction(this.pool, settle) : await settle(this.pool);
    } finally {
      for (const item of items) this.recorded.delete(item.attempt.attemptId);
    }
    const outcomes = new Map<string, BatchOutcome>();
    for (const attempt of refused) outcomes.set(attempt.attemptId, await this.lost(this.pool, attempt));
    return items.map((item) => outcomes.get(item.attempt.attemptId));
  }

  override async fail(attempt: Attempt, failure: FailureRecord): Promise<void> {
    await this.settling(attempt, () =>
      inTransaction(this.pool, async (client) => {
        if (failure.permanent) {
          // No retry can help: spend the remaining retries so pg-boss dead-letters it now.
          await client.query(
            `UPDATE ${this.schema}.job SET retry_limit = retry_count
            WHERE name = $1 AND id = $2 AND retry_count = $3 AND state = 'active'`,
            [attempt.queue, attempt.jobId, attempt.attempt],
          );
        }
        const settled = await this.boss.fail(
          attempt.queue,
          { id: attempt.jobId, retryCount: attempt.attempt },
          {
            message: failure.message,
            errorName: failure.errorName,
            permanent: failure.permanent,
            attemptId: attempt.attemptId,
            nodeId: attempt.nodeId,
            attempt: attempt.attempt,
          },
          { db: bossDb(client) },
        );
        if (affected(settled) !== 1) throw await this.lost(client, attempt);
        await this.closeAttempts(client, [attempt], 'failed', `${failure.errorName}: ${failure.message}`);
      }),
    );
  }

  override async handBack(attempts: readonly Attempt[], reason: string): Promise<void> {
    if (attempts.length === 0) return;
    // retry_limit + 1: a hand back is not the job's fault, so it does not spend a retry, while the
    // next claim still gets a new retry_count (and so a new attempt id).
    await inTransaction(this.pool, async (client) => {
      const { rows } = await client.query<{ id: string }>(
        `UPDATE ${this.schema}.job j
            SET state = 'retry', start_after = now(), retry_limit = j.retry_limit + 1
           FROM unnest($1::text[], $2::uuid[], $3::int[]) AS f (queue, id, retry_count)
          WHERE j.name = f.queue AND j.id = f.id AND j.retry_count = f.retry_count AND j.state = 'active'
         RETURNING j.id`,
        [attempts.map((a) => a.queue), attempts.map((a) => a.jobId), attempts.map((a) => a.attempt)],
      );
      const handed = new Set(rows.map((row) => row.id));
      const closed = attempts.filter((attempt) => handed.has(attempt.jobId));
      if (closed.length > 0)
        await this.closeAttempts(client, closed, 'handed_back', `handed back: ${reason}`);
    });
    for (const attempt of attempts) this.recorded.delete(attempt.attemptId);
  }

  override withAttemptFence<T>(attempt: Attempt, effect: (client: FencedClient) => Promise<T>): Promise<T> {
    // FOR SHARE on the job row: the reaper's fail (a DELETE of that row) waits for the effect to
    // commit, and an effect that comes after the reaper finds the claim gone and is refused. An
    // expired heartbeat refuses the effect too, even before the leader got to reap it.
    return this.withAttemptsFence([attempt], async (client, held) => {
      if (held.length !== 1) throw await this.lost(client, attempt);
      return effect(client);
    });
  }

  override async withAttemptsFence<T>(
    attempts: readonly Attempt[],
    effect: (client: FencedClient, held: readonly Attempt[]) => Promise<T>,
  ): Promise<T> {
    const queues = new Set(attempts.map((attempt) => attempt.queue));
    if (queues.size > 1)
      throw new RangeError(`one fence covers attempts of one queue, got ${[...queues].join(', ')}`);
    // The fence of withAttemptFence for every attempt in one statement; rows are locked in id
    // order so two fences over overlapping jobs cannot deadlock.
    return inTransaction(this.pool, async (client) => {
      if (attempts.length === 0) return effect(client, []);
      const { rows } = await client.query<{ id: string }>(
        `SELECT j.id FROM ${this.schema}.job j
           JOIN unnest($2::uuid[], $3::int[]) AS f (id, retry_count)
             ON j.id = f.id AND j.retry_count = f.retry_count
          WHERE j.name = $1 AND j.state = 'active'
            AND j.heartbeat_on > ${this.schema}.job_now() - make_interval(secs => $4)
          ORDER BY j.id
            FOR SHARE OF j`,
        [
          attempts[0]!.queue,
          attempts.map((attempt) => attempt.jobId),
          attempts.map((attempt) => attempt.attempt),
          Math.min(...attempts.map((attempt) => attempt.visibilitySeconds)),
        ],
      );
      const locked = new Set(rows.map((row) => row.id));
      return effect(
        client,
        attempts.filter((attempt) => locked.has(attempt.jobId)),
      );
    });
  }
}
