// What operators do with jobs (`portico jobs`, the control plane's jobs API): read a job's state
// and progress, list the cluster's dead letters with their last error, retry them (pg-boss redrive
// back to the queue they came from, with fresh retries) or discard them.
import { deadLetterQueueName, parseQueueName } from '@portico/jobs-contracts';
import { type PgBoss } from 'pg-boss';

import { attemptIdOf } from './lease.repository';
import { bossSchema, type Queryable } from './transaction.repository';

export interface DeadLetter {
  /** The job's id in the dead-letter queue (what retry and discard take). */
  readonly id: string;
  /** The job type it failed as, e.g. `checksum.file`. */
  readonly job: string | null;
  readonly sourceJobId: string | null;
  readonly data: unknown;
  /** The last error, as the failing attempt recorded it. */
  readonly error: unknown;
  readonly retries: number | null;
  readonly deadAt: string;
}

export interface JobAttemptView {
  readonly attemptId: string;
  readonly attempt: number;
  /** Null when the attempt never wrote a row of its own (short and first, or dead before reporting). */
  readonly nodeId: string | null;
  readonly workerId: string | null;
  readonly state: string;
  readonly startedAt: string;
  readonly finishedAt: string | null;
  readonly leasedUntil: string | null;
  readonly progress: unknown;
  readonly lastError: string | null;
}

export interface JobView {
  readonly id: string;
  readonly job: string | null;
  readonly state: string;
  readonly retryCount: number;
  readonly retryLimit: number;
  readonly data: unknown;
  readonly output: unknown;
  readonly createdAt: string;
  readonly startedAt: string | null;
  readonly completedAt: string | null;
  /** The latest attempt's progress (percent, bytes…), as its handler last reported it. */
  readonly progress: unknown;
  readonly attempts: JobAttemptView[];
}

const iso = (value: unknown): string => (value instanceof Date ? value.toISOString() : String(value));
const isoOrNull = (value: unknown): string | null =>
  value === null || value === undefined ? null : iso(value);
const jobName = (queue: unknown): string | null => {
  if (typeof queue !== 'string') return null;
  const parsed = parseQueueName(queue);
  return parsed?.kind === 'job' ? parsed.jobName : null;
};

export class JobAdmin {
  private readonly schema: string;

  constructor(
    private readonly db: Queryable,
    private readonly boss: PgBoss,
    options: { bossSchema?: string } = {},
  ) {
    this.schema = bossSchema(options.bossSchema);
  }

  /** Dead letters waiting for an operator, newest first; `before` pages by the previous page's last deadAt. */
  async listDeadLetters(
    clusterId: string,
    options: { limit?: number; before?: string; job?: string } = {},
  ): Promise<DeadLetter[]> {
    const limit = Math.min(Math.max(options.limit ?? 100, 1), 1000);
    const { rows } = await this.db.query(
      `SELECT id, source_name, source_id, data, source_output, source_retry_count, created_on
         FROM ${this.schema}.job
        WHERE name = $1 AND state IN ('created', 'retry')
          AND ($2::timestamptz IS NULL OR created_on < $2)
          AND ($3::text IS NULL OR source_name = $3)
        ORDER BY created_on DESC, id
        LIMIT $4`,
      [
        deadLetterQueueName(clusterId),
        options.before ?? null,
        options.job ? `${deadLetterQueueName(clusterId).slice(0, -'_dead'.length)}${options.job}` : null,
        limit,
      ],
    );
    return (rows as Array<Record<string, unknown>>).map((row) => ({
      id: String(row.id),
      job: jobName(row.source_name),
      sourceJobId: typeof row.source_id === 'string' ? row.source_id : null,
      data: row.data,
      error: row.source_output ?? null,
      retries: typeof row.source_retry_count === 'number' ? row.source_retry_count : null,
      deadAt: iso(row.created_on),
    }));
  }

  /** Sends dead letters back to their queues with fresh retries; returns how many moved. */
  async retryDeadLetters(clusterId: string, ids: readonly string[]): Promise<number> {
    if (ids.length === 0) return 0;
    return this.boss.redrive(deadLetterQueueName(clusterId), { ids: [...ids], limit: ids.length });
  }

  /** Deletes dead letters for good; returns how many were deleted. */
  async discardDeadLetters(clusterId: string, ids: readonly string[]): Promise<number> {
    if (ids.length === 0) return 0;
    const { rows } = await this.db.query(
      `DELETE FROM ${this.schema}.job WHERE name = $1 AND id = ANY($2::uuid[]) AND state IN ('created', 'retry')
       RETURNING id`,
      [deadLetterQueueName(clusterId), [...ids]],
    );
    return rows.length;
  }

  /** A job of the cluster by id, with its attempts (newest first) and latest progress; null when unknown. */
  async getJob(clusterId: string, jobId: string): Promise<JobView | null> {
    const prefix = deadLetterQueueName(clusterId).slice(0, -'_dead'.length);
    // pg-boss 12 keeps finished jobs in its job table until its retention deletes them.
    const { rows } = await this.db.query(
      `SELECT id, name, state, retry_count, retry_limit, data, output, created_on, started_on, completed_on
         FROM ${this.schema}.job WHERE id = $1 AND starts_with(name, $2) LIMIT 1`,
      [jobId, prefix],
    );
    const job = (rows as Array<Record<string, unknown>>)[0];
    if (!job) return null;
    const attempts = (
      await this.db.query(
        `SELECT attempt_id, attempt, node_id, worker_id, state, started_at, finished_at, leased_until, progress, last_error
           FROM portico.job_attempts WHERE cluster_id = $1 AND job_id = $2
          ORDER BY attempt DESC, started_at DESC`,
        [clusterId, jobId],
      )
    ).rows as Array<Record<string, unknown>>;
    const views: JobAttemptView[] = attempts.map((row) => ({
      attemptId: String(row.attempt_id),
      attempt: Number(row.attempt),
      nodeId: typeof row.node_id === 'string' ? row.node_id : null,
      workerId: typeof row.worker_id === 'string' ? row.worker_id : null,
      state: String(row.state),
      startedAt: iso(row.started_at),
      finishedAt: isoOrNull(row.finished_at),
      leasedUntil: isoOrNull(row.leased_until),
      progress: row.progress ?? null,
      lastError: typeof row.last_error === 'string' ? row.last_error : null,
    }));
    // The claim itself is the latest attempt when it has no row yet (it has not heartbeated, or it
    // finished at the first try without one): shown from pg-boss's row.
    const retryCount = Number(job.retry_count);
    if (job.started_on && !views.some((view) => view.attempt === retryCount)) {
      views.unshift({
        attemptId: attemptIdOf(String(job.id), retryCount),
        attempt: retryCount,
        nodeId: null,
        workerId: null,
        state: String(job.state),
        startedAt: iso(job.started_on),
        finishedAt: isoOrNull(job.completed_on),
        leasedUntil: null,
        progress: null,
        lastError: null,
      });
    }
    return {
      id: String(job.id),
      job: jobName(job.name),
      state: String(job.state),
      retryCount: Number(job.retry_count),
      retryLimit: Number(job.retry_limit),
      data: job.data,
      output: job.output ?? null,
      createdAt: iso(job.created_on),
      startedAt: isoOrNull(job.started_on),
      completedAt: isoOrNull(job.completed_on),
      progress: views[0]?.progress ?? null,
      attempts: views,
    };
  }
}
