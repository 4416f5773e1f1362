// The port between the consumer (pure orchestration: slots, timers, signals) and the database
// (pg-boss's job rows, which carry the lease, and our job_attempts history). lease.repository.ts
// implements it.

/** A job as the queue handed it out: `retryCount` names pg-boss's claim of it. */
export interface FetchedJob {
  readonly id: string;
  readonly retryCount: number;
  readonly data: unknown;
}

/** One attempt at one job, leased to one worker: pg-boss's claim of the job under one retry_count. */
export interface Attempt {
  /** Derived from (job id, attempt): the same id wherever the attempt is named. */
  readonly attemptId: string;
  readonly clusterId: string;
  readonly queue: string;
  readonly jobId: string;
  /** pg-boss's retry_count at the claim: 0 for the first attempt. */
  readonly attempt: number;
  readonly workerId: string;
  readonly nodeId: string;
  /** When the lease taken at the claim runs out unless renewed (this process's clock; informational). */
  readonly leasedUntil: Date;
  /** The visibility timeout the attempt was leased with. */
  readonly visibilitySeconds: number;
}

export interface WorkerIdentity {
  readonly clusterId: string;
  readonly workerId: string;
  readonly nodeId: string;
}

export interface FailureRecord {
  readonly message: string;
  readonly errorName: string;
  /** Permanent failures skip the remaining retries and go straight to the dead letter. */
  readonly permanent: boolean;
}

/** Runs statements in the fenced transaction; the shape of a pg client's query(). */
export interface FencedClient {
  query<R = Record<string, unknown>>(
    text: string,
    values?: unknown[],
  ): Promise<{ rows: R[]; rowCount: number | null }>;
}

export abstract class LeaseStore {
  /** Claims up to `limit` jobs of `queue` (pg-boss fetch). */
  abstract fetch(queue: string, limit: number): Promise<FetchedJob[]>;

  /** One attempt per claimed job: the claim is the lease, leased until now + visibility. */
  abstract openAttempts(
    worker: WorkerIdentity,
    queue: string,
    jobs: readonly FetchedJob[],
    visibilitySeconds: number,
  ): Promise<Attempt[]>;

  /** Extends the lease; false when the attempt no longer holds it (expired, reaped, handed back). */
  abstract renew(attempt: Attempt, visibilitySeconds: number, progress?: unknown): Promise<boolean>;

  /** Completes the job fenced by the attempt; throws LostLeaseError with no effect otherwise. */
  abstract complete(attempt: Attempt, output: unknown): Promise<void>;

  /** Fails the attempt (pg-boss retry with backoff, or dead letter); fenced like complete. */
  abstract fail(attempt: Attempt, failure: FailureRecord): Promise<void>;

  /** Gives the jobs back at once without spending a retry; attempts that lost their lease are skipped. */
  abstract handBack(attempts: readonly Attempt[], reason: string): Promise<void>;

  /** Runs `effect` in a transaction that commits only while the attempt holds its lease. */
  abstract withAttemptFence<T>(attempt: Attempt, effect: (client: FencedClient) => Promise<T>): Promise<T>;

  /**
   * One transaction fenced by several attempts of one queue: `effect` gets the attempts that still
   * hold their lease (their job rows locked until it commits); the others are left out of it.
   */
  abstract withAttemptsFence<T>(
    attempts: readonly Attempt[],
    effect: (client: FencedClient, held: readonly Attempt[]) => Promise<T>,
  ): Promise<T>;
}
