// The lease protocol on PostgreSQL: our attempt rows in portico.job_attempts, pg-boss's jobs
// settled in the same transaction (through its `db` option) so that "the attempt still holds its
// lease" and "the job is completed" commit together or not at all. Every time is the database's.
import { type Pool, type PoolClient } from 'pg';
import { type PgBoss } from 'pg-boss';

import { type LeaseLossReason, LostLeaseError } from './errors';
import {
  type Attempt,
  type FailureRecord,
  type FencedClient,
  type FetchedJob,
  LeaseStore,
  type WorkerIdentity,
} from './lease-store';
import { type BatchOutcome, GroupCommit } from './group-commit';
import { affected, bossDb, bossSchema, inTransaction, settledIds } from './transaction.repository';

export interface PgLeaseStoreOptions {
  /** pg-boss's schema. Default `pgboss`. */
  readonly bossSchema?: string;
}

interface AttemptLockRow {
  state: string;
  worker_id: string;
  live: boolean;
}

const LOCK_ATTEMPT = (mode: 'UPDATE' | 'SHARE'): string => `
SELECT state, worker_id, leased_until > clock_timestamp() AS live
  FROM portico.job_attempts
 WHERE attempt_id = $1
   FOR ${mode}`;

function lossReason(row: AttemptLockRow | undefined, attempt: Attempt): LeaseLossReason | undefined {
  if (!row) return 'unknown-attempt';
  if (row.worker_id !== attempt.workerId) return 'other-worker';
  switch (row.state) {
    case 'active':
      return row.live ? undefined : 'expired';
    case 'expired':
      return 'reaped';
    case 'handed_back':
      return 'handed-back';
    default:
      return 'finished';
  }
}

export class PgLeaseStore extends LeaseStore {
  private readonly schema: string;
  /** Completions without output are written in groups (see group-commit.ts). */
  private readonly completions = new GroupCommit<Attempt>((attempts) => this.completeMany(attempts));

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

  override async openAttempts(
    worker: WorkerIdentity,
    queue: string,
    jobs: readonly FetchedJob[],
    visibilitySeconds: number,
  ): Promise<Attempt[]> {
    // Only jobs still claimed under the fetched retry_count get an attempt: one reaped in between
    // (its claim older than the visibility timeout) stays with whoever has it now.
    const { rows } = await this.pool.query<{
      attempt_id: string;
      job_id: string;
      attempt: number;
      leased_until: Date;
    }>(
      `INSERT INTO portico.job_attempts
         (attempt_id, cluster_id, queue, job_id, attempt, worker_id, node_id, state, leased_until)
       SELECT gen_random_uuid(), $1, $2, j.id, j.retry_count, $3, $4, 'active',
              clock_timestamp() + make_interval(secs => $5)
         FROM unnest($6::uuid[], $7::int[]) AS f (id, retry_count)
         JOIN ${this.schema}.job j
           ON j.name = $2 AND j.id = f.id AND j.retry_count = f.retry_count AND j.state = 'active'
       ON CONFLICT (job_id, attempt) DO NOTHING
       RETURNING attempt_id, job_id, attempt, leased_until`,
      [
        worker.clusterId,
        queue,
        worker.workerId,
        worker.nodeId,
        visibilitySeconds,
        jobs.map((job) => job.id),
        jobs.map((job) => job.retryCount),
      ],
    );
    return rows.map((row) => ({
      attemptId: row.attempt_id,
      clusterId: worker.clusterId,
      queue,
      jobId: row.job_id,
      attempt: row.attempt,
      workerId: worker.workerId,
      nodeId: worker.nodeId,
      leasedUntil: row.leased_until,
    }));
  }

  override async renew(attempt: Attempt, visibilitySeconds: number, progress?: unknown): Promise<boolean> {
    const result = await this.pool.query(
      `UPDATE portico.job_attempts
          SET leased_until = clock_timestamp() + make_interval(secs => $3),
              heartbeat_at = clock_timestamp(),
              progress = COALESCE($4::jsonb, progress)
        WHERE attempt_id = $1 AND worker_id = $2 AND state = 'active' AND leased_until > clock_timestamp()`,
      [
        attempt.attemptId,
        attempt.workerId,
        visibilitySeconds,
        progress === undefined ? null : JSON.stringify(progress),
      ],
    );
    return result.rowCount === 1;
  }

  /** Locks the attempt row and throws LostLeaseError unless it is active, unexpired and ours. */
  private async holdLease(client: PoolClient, attempt: Attempt, mode: 'UPDATE' | 'SHARE'): Promise<void> {
    const { rows } = await client.query<AttemptLockRow>(LOCK_ATTEMPT(mode), [attempt.attemptId]);
    const reason = lossReason(rows[0], attempt);
    if (reason) throw new LostLeaseError(attempt.attemptId, attempt.queue, attempt.jobId, reason);
  }

  override async complete(attempt: Attempt, output: unknown): Promise<void> {
    if (output === null || output === undefined) return this.completions.add(attempt);
    await inTransaction(this.pool, async (client) => {
      await this.holdLease(client, attempt, 'UPDATE');
      const settled = await this.boss.complete(
        attempt.queue,
        { id: attempt.jobId, retryCount: attempt.attempt },
        output === null || output === undefined ? null : output,
        { db: bossDb(client) },
      );
      if (affected(settled) !== 1) {
        throw new LostLeaseError(attempt.attemptId, attempt.queue, attempt.jobId, 'job-moved-on');
      }
      await client.query(
        `UPDATE portico.job_attempts SET state = 'completed', finished_at = clock_timestamp() WHERE attempt_id = $1`,
        [attempt.attemptId],
      );
    });
  }

  /**
   * Completes a group of attempts in one transaction, each fenced exactly as complete() fences one:
   * its attempt row must be active, unexpired and ours, and pg-boss must still have the job active
   * under the same retry_count. Closing the attempt rows first takes their row locks and checks
   * the lease in one statement; the rare attempt pg-boss no longer has active is then marked lost.
   */
  private async completeMany(attempts: readonly Attempt[]): Promise<BatchOutcome[]> {
    return inTransaction(this.pool, async (client) => {
      const { rows } = await client.query<{ attempt_id: string }>(
        `UPDATE portico.job_attempts a
            SET state = 'completed', finished_at = clock_timestamp()
           FROM (SELECT j.attempt_id, f.worker_id
                   FROM portico.job_attempts j
                   JOIN unnest($1::uuid[], $2::uuid[]) AS f (attempt_id, worker_id) USING (attempt_id)
                  ORDER BY j.attempt_id
                    FOR UPDATE OF j) locked
          WHERE a.attempt_id = locked.attempt_id
            AND a.state = 'active' AND a.worker_id = locked.worker_id AND a.leased_until > clock_timestamp()
          RETURNING a.attempt_id`,
        [attempts.map((attempt) => attempt.attemptId), attempts.map((attempt) => attempt.workerId)],
      );
      const closed = new Set(rows.map((row) => row.attempt_id));
      const outcomes = new Map<string, BatchOutcome>();
      const holding = new Map<string, Attempt[]>();
      for (const attempt of attempts) {
        if (closed.has(attempt.attemptId)) {
          holding.set(attempt.queue, [...(holding.get(attempt.queue) ?? []), attempt]);
        }
      }
      const movedOn: string[] = [];
      for (const [queue, held] of holding) {
        const response = await this.boss.complete(
          queue,
          held.map((attempt) => ({ id: attempt.jobId, retryCount: attempt.attempt })),
          null,
          { db: bossDb(client) },
        );
        const settled = new Set(settledIds(response));
        for (const attempt of held) {
          if (settled.has(attempt.jobId)) continue;
          movedOn.push(attempt.attemptId);
          outcomes.set(
            attempt.attemptId,
            new LostLeaseError(attempt.attemptId, attempt.queue, attempt.jobId, 'job-moved-on'),
          );
        }
      }
      if (movedOn.length > 0) {
        await client.query(
          `UPDATE portico.job_attempts SET state = 'expired', last_error = 'the job moved on before completion'
            WHERE attempt_id = ANY($1::uuid[])`,
          [movedOn],
        );
      }
      // Why the others were refused: read after the locks, so the answer is the one that stood.
      const refused = attempts.filter((attempt) => !closed.has(attempt.attemptId));
      if (refused.length > 0) {
        const { rows: states } = await client.query<AttemptLockRow & { attempt_id: string }>(
          `SELECT attempt_id, state, worker_id, leased_until > clock_timestamp() AS live
             FROM portico.job_attempts WHERE attempt_id = ANY($1::uuid[])`,
          [refused.map((attempt) => attempt.attemptId)],
        );
        const byId = new Map(states.map((row) => [row.attempt_id, row]));
        for (const attempt of refused) {
          const reason = lossReason(byId.get(attempt.attemptId), attempt) ?? 'expired';
          outcomes.set(
            attempt.attemptId,
            new LostLeaseError(attempt.attemptId, attempt.queue, attempt.jobId, reason),
          );
        }
      }
      return attempts.map((attempt) => outcomes.get(attempt.attemptId));
    });
  }

  override async fail(attempt: Attempt, failure: FailureRecord): Promise<void> {
    await inTransaction(this.pool, async (client) => {
      await this.holdLease(client, attempt, 'UPDATE');
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
      if (affected(settled) !== 1) {
        throw new LostLeaseError(attempt.attemptId, attempt.queue, attempt.jobId, 'job-moved-on');
      }
      await client.query(
        `UPDATE portico.job_attempts SET state = 'failed', finished_at = clock_timestamp(), last_error = $2
          WHERE attempt_id = $1`,
        [attempt.attemptId, `${failure.errorName}: ${failure.message}`],
      );
    });
  }

  override async handBack(attempts: readonly Attempt[], reason: string): Promise<void> {
    if (attempts.length === 0) return;
    // retry_limit + 1: a hand back is not the job's fault, so it does not spend a retry, while the
    // next claim still gets a new retry_count (pg-boss's own attempt fence stays meaningful).
    await this.pool.query(
      `WITH handed AS (
         UPDATE portico.job_attempts
            SET state = 'handed_back', finished_at = clock_timestamp(), last_error = $3
          WHERE attempt_id = ANY($1::uuid[]) AND worker_id = $2 AND state = 'active'
          RETURNING queue, job_id, attempt
       )
       UPDATE ${this.schema}.job j
          SET state = 'retry', start_after = now(), retry_limit = j.retry_limit + 1
         FROM handed h
        WHERE j.name = h.queue AND j.id = h.job_id AND j.retry_count = h.attempt AND j.state = 'active'`,
      [attempts.map((attempt) => attempt.attemptId), attempts[0]!.workerId, `handed back: ${reason}`],
    );
  }

  override async withAttemptFence<T>(
    attempt: Attempt,
    effect: (client: FencedClient) => Promise<T>,
  ): Promise<T> {
    // FOR SHARE: the reaper's UPDATE of this row waits for the effect to commit, and an effect that
    // comes after the reaper sees the row expired and is refused.
    return inTransaction(this.pool, async (client) => {
      await this.holdLease(client, attempt, 'SHARE');
      return effect(client);
    });
  }
}
