// The consumer core (no Nest): fetches batches of one queue, opens a leased attempt per job, runs
// the handler with an abort signal and a heartbeat, and settles fenced by the attempt. IO goes
// through the LeaseStore port, so this file is pure orchestration: slots, timers and signals.
import {
  InvalidPayloadError,
  type JobDefinition,
  type JobPayload,
  parsePayload,
  queueName,
} from '@portico/jobs-contracts';

import { BatchSizing } from './batch-sizing';
import { ConsumerStoppingError, LostLeaseError } from './errors';
import {
  type Attempt,
  type FencedClient,
  type FetchedJob,
  type LeaseStore,
  type WorkerIdentity,
} from './lease-store';
import { ConcurrencySlots } from './slots';
import { type JobLogger, silentLogger, type WakeupSource } from './wakeups';

export interface JobContext<P> {
  readonly payload: P;
  readonly attemptId: string;
  readonly jobId: string;
  /** 0 for the first attempt, then one more per retry (pg-boss's retry_count). */
  readonly attempt: number;
  readonly queue: string;
  /** Aborted when the lease is lost or the consumer stops; the reason says which. */
  readonly signal: AbortSignal;
  /** Renews the lease now, recording `progress`; throws LostLeaseError when the lease is gone. */
  heartbeat(progress?: unknown): Promise<void>;
  /** Runs `effect` in a transaction that commits only while this attempt holds its lease. */
  withAttemptFence<T>(effect: (client: FencedClient) => Promise<T>): Promise<T>;
}

export type JobHandler<D extends JobDefinition> = (context: JobContext<JobPayload<D>>) => Promise<unknown>;

/** One job of a batch: as a JobContext, but its side effects go through the batch's fence. */
export type BatchJobContext<P> = Omit<JobContext<P>, 'withAttemptFence'>;

/** What became of one job of a batch: its output (it is completed) or the error it failed with. */
export type BatchJobResult = { readonly output: unknown } | { readonly error: unknown };

export interface JobBatchContext<P> {
  readonly queue: string;
  /** The batch's jobs, in the order the queue handed them out. */
  readonly jobs: readonly BatchJobContext<P>[];
  /**
   * Runs `effect` in one transaction fenced by the attempts of `jobs`: it gets the jobs that still
   * hold their lease (their rows locked until it commits) and must leave the others alone.
   */
  withAttemptsFence<T>(
    jobs: readonly BatchJobContext<P>[],
    effect: (client: FencedClient, held: readonly BatchJobContext<P>[]) => Promise<T>,
  ): Promise<T>;
}

/**
 * Handles a batch of jobs of one type, returning a result per job id: the consumer completes the
 * jobs with an output together and fails the others one by one; a job left without a result fails.
 */
export type JobBatchHandler<D extends JobDefinition> = (
  batch: JobBatchContext<JobPayload<D>>,
) => Promise<ReadonlyMap<string, BatchJobResult>>;

export interface BatchHandling<D extends JobDefinition> {
  readonly handler: JobBatchHandler<D>;
  /** Jobs per batch at most. */
  readonly maxJobs: number;
  /** A job's weight (e.g. bytes to read) and the total a batch may hold; see batch-sizing.ts. */
  readonly weigh: (payload: JobPayload<D>) => number;
  readonly budget: number;
}

/** What happened to each attempt, for metrics and tests. */
export interface ConsumerObserver {
  started?(attempt: Attempt): void;
  completed?(attempt: Attempt): void;
  failed?(attempt: Attempt, error: unknown): void;
  lostLease?(attempt: Attempt, error: LostLeaseError): void;
  handedBack?(attempt: Attempt): void;
}

export interface JobConsumerOptions<D extends JobDefinition> {
  readonly store: LeaseStore;
  readonly def: D;
  readonly worker: WorkerIdentity;
  /** Runs one job at a time per slot; or, with `batch`, a slot runs a batch of jobs. */
  readonly handler?: JobHandler<D>;
  readonly batch?: BatchHandling<D>;
  /** The cluster's visibility_timeout, in seconds; a function is read at every lease and renewal (live settings). */
  readonly visibilitySeconds: number | (() => number);
  /** Handlers (with `batch`: batches) running at once. */
  readonly concurrency: number;
  /** Jobs per fetch at most (also bounded by free slots; with `batch`, see BatchSizing). Default 50. */
  readonly batchSize?: number;
  /** Idle polling interval. Default 1000 ms (a re-queued job is picked up within it without Redis). */
  readonly pollIntervalMs?: number;
  /** Lease renewal interval. Default visibility / 3. */
  readonly heartbeatIntervalMs?: number;
  readonly wakeups?: WakeupSource;
  readonly logger?: JobLogger;
  readonly observer?: ConsumerObserver;
}

export interface StopOptions {
  /** How long running handlers may take to finish before their jobs are handed back. */
  readonly graceMs: number;
}

interface Running {
  readonly attempt: Attempt;
  readonly controller: AbortController;
  readonly done: Promise<void>;
  stopHeartbeat: () => void;
  handingBack: boolean;
}

type IdleReason = 'slots' | 'poll';

/** How long stop() waits for aborted handlers to clean up after handing their jobs back. */
const STOP_CLEANUP_MS = 5_000;

export class JobConsumer<D extends JobDefinition> {
  readonly queue: string;
  private readonly slots: ConcurrencySlots;
  private readonly running = new Map<string, Running>();
  private readonly logger: JobLogger;
  private readonly batchSize: number;
  private readonly pollIntervalMs: number;
  private readonly heartbeatIntervalMs: number | undefined;
  private readonly visibility: () => number;
  private readonly sizing: BatchSizing | undefined;
  private loopDone: Promise<void> | undefined;
  private unsubscribe: (() => void) | undefined;
  private stopping = false;
  private pendingWake = false;
  private idleReason: IdleReason | undefined;
  private wake: (() => void) | undefined;

  constructor(private readonly options: JobConsumerOptions<D>) {
    this.visibility =
      typeof options.visibilitySeconds === 'function'
        ? options.visibilitySeconds
        : () => options.visibilitySeconds as number;
    if (!(this.visibility() > 0)) throw new RangeError('visibilitySeconds must be > 0');
    this.queue = queueName(options.worker.clusterId, options.def.name);
    this.slots = new ConcurrencySlots(options.concurrency);
    this.logger = options.logger ?? silentLogger;
    this.batchSize = Math.max(1, options.batchSize ?? 50);
    this.pollIntervalMs = options.pollIntervalMs ?? 1_000;
    this.heartbeatIntervalMs = options.heartbeatIntervalMs;
    if ((options.handler === undefined) === (options.batch === undefined))
      throw new TypeError(`consumer of ${this.queue} needs exactly one of handler and batch`);
    this.sizing = options.batch
      ? new BatchSizing({ maxJobs: options.batch.maxJobs, budget: options.batch.budget })
      : undefined;
  }

  /** Handlers running now. */
  get active(): number {
    return this.running.size;
  }

  get concurrency(): number {
    return this.slots.limit;
  }

  start(): void {
    if (this.loopDone) throw new Error(`consumer of ${this.queue} already started`);
    this.unsubscribe = this.options.wakeups?.subscribe(this.queue, () => this.poke());
    this.loopDone = this.loop();
  }

  /** Raises or lowers the number of concurrent handlers, live; running handlers are not interrupted. */
  setConcurrency(limit: number): void {
    this.slots.setLimit(limit);
    this.poke();
  }

  /**
   * Stops fetching, waits up to `graceMs` for running handlers, then aborts the rest and hands
   * their jobs back at once (available to other nodes immediately, no retry spent).
   */
  async stop(options: StopOptions = { graceMs: 10_000 }): Promise<void> {
    this.stopping = true;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    this.poke();
    await this.loopDone;
    const all = Promise.all([...this.running.values()].map((entry) => entry.done));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([all, new Promise<void>((resolve) => (timer = setTimeout(resolve, options.graceMs)))]);
    clearTimeout(timer);
    const left = [...this.running.values()];
    if (left.length === 0) return;
    for (const entry of left) {
      entry.handingBack = true;
      entry.stopHeartbeat();
      entry.controller.abort(new ConsumerStoppingError(`consumer of ${this.queue} is stopping`));
    }
    const attempts = left.map((entry) => entry.attempt);
    await this.options.store.handBack(attempts, 'consumer stopped');
    for (const attempt of attempts) this.options.observer?.handedBack?.(attempt);
    this.logger.info({ queue: this.queue, count: attempts.length }, 'jobs handed back on stop');
    // The jobs are already someone else's to take; give the aborted handlers a moment to clean up
    // (kill their ffmpeg, remove temp files) before the process exits.
    let cleanupTimer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(left.map((entry) => entry.done)),
      new Promise<void>((resolve) => (cleanupTimer = setTimeout(resolve, STOP_CLEANUP_MS))),
    ]);
    clearTimeout(cleanupTimer);
  }

  private poke(reason?: IdleReason): void {
    if (reason && this.idleReason !== reason) return;
    this.pendingWake = true;
    this.wake?.();
  }

  private idle(reason: IdleReason, ms: number | undefined): Promise<void> {
    if (this.pendingWake || this.stopping) {
      this.pendingWake = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const done = (): void => {
        clearTimeout(timer);
        this.wake = undefined;
        this.idleReason = undefined;
        this.pendingWake = false;
        resolve();
      };
      if (ms !== undefined) timer = setTimeout(done, ms);
      this.idleReason = reason;
      this.wake = done;
    });
  }

  private async loop(): Promise<void> {
    let failures = 0;
    while (!this.stopping) {
      // A slot runs one job, or with batches one batch of as many jobs as the sizing allows.
      const taken = this.slots.take(this.sizing ? 1 : Math.min(this.slots.available, this.batchSize));
      if (taken === 0) {
        await this.idle('slots', undefined);
        continue;
      }
      const limit = this.sizing ? this.sizing.nextLimit() : taken;
      let jobs: FetchedJob[];
      let attempts: Attempt[];
      try {
        jobs = await this.options.store.fetch(this.queue, limit);
        attempts =
          jobs.length > 0
            ? await this.options.store.openAttempts(this.options.worker, this.queue, jobs, this.visibility())
            : [];
        failures = 0;
      } catch (error) {
        this.slots.release(taken);
        failures += 1;
        // One line per outage, not one per poll.
        if (failures === 1)
          this.logger.error({ queue: this.queue, err: error }, 'fetching jobs failed; retrying');
        await this.idle('poll', Math.min(this.pollIntervalMs * failures, 30_000));
        continue;
      }
      const used = this.sizing ? Math.min(1, attempts.length) : attempts.length;
      this.slots.release(taken - used);
      if (this.stopping && attempts.length > 0) {
        this.slots.release(used);
        await this.options.store.handBack(attempts, 'consumer stopped').catch((error: unknown) => {
          this.logger.error(
            { queue: this.queue, err: error },
            'handing back jobs fetched during stop failed',
          );
        });
        break;
      }
      const byId = new Map(jobs.map((job) => [job.id, job]));
      if (this.sizing) {
        if (attempts.length > 0)
          this.spawnBatch(attempts.map((attempt) => ({ attempt, job: byId.get(attempt.jobId)! })));
      } else for (const attempt of attempts) this.spawn(attempt, byId.get(attempt.jobId)!);
      // A short batch means the queue is drained for now: poll (or wait for a wake-up).
      if (jobs.length < limit) await this.idle('poll', this.pollIntervalMs);
    }
  }

  private spawn(attempt: Attempt, job: FetchedJob): void {
    const { entry, renewNow, finished } = this.track(attempt);
    void this.run(entry, job, renewNow).finally(() => {
      finished();
      this.releaseSlot();
    });
  }

  /** Registers a running attempt with its heartbeat; `finished` stops both. */
  private track(attempt: Attempt): {
    entry: Running;
    renewNow: (progress?: unknown) => Promise<void>;
    finished: () => void;
  } {
    const controller = new AbortController();
    let resolveDone!: () => void;
    const done = new Promise<void>((resolve) => (resolveDone = resolve));
    const heartbeat = this.startHeartbeat(attempt, controller);
    const entry: Running = { attempt, controller, done, stopHeartbeat: heartbeat.stop, handingBack: false };
    this.running.set(attempt.attemptId, entry);
    this.options.observer?.started?.(attempt);
    return {
      entry,
      renewNow: heartbeat.renewNow,
      finished: () => {
        heartbeat.stop();
        this.running.delete(attempt.attemptId);
        resolveDone();
      },
    };
  }

  private releaseSlot(): void {
    this.slots.release();
    this.poke('slots');
  }

  /**
   * Runs a batch on one slot: invalid payloads fail at once, jobs beyond the batch's budget go back
   * to the queue, the rest go to the batch handler together, each with its own lease.
   */
  private spawnBatch(fetched: ReadonlyArray<{ attempt: Attempt; job: FetchedJob }>): void {
    const batch = this.options.batch!;
    const valid: Array<{ attempt: Attempt; payload: JobPayload<D> }> = [];
    const settles: Promise<void>[] = [];
    for (const { attempt, job } of fetched) {
      try {
        valid.push({ attempt, payload: parsePayload(this.options.def, job.data) as JobPayload<D> });
      } catch (error) {
        settles.push(this.failAttempt(attempt, error));
      }
    }
    const kept = valid.slice(0, this.sizing!.keep(valid.map(({ payload }) => batch.weigh(payload))));
    const excess = valid.slice(kept.length).map(({ attempt }) => attempt);
    if (excess.length > 0) settles.push(this.handBackExcess(excess));
    void this.runBatch(kept)
      .then(() => Promise.all(settles))
      .finally(() => this.releaseSlot());
  }

  private async handBackExcess(attempts: readonly Attempt[]): Promise<void> {
    try {
      await this.options.store.handBack(attempts, 'beyond the batch budget of the node that fetched it');
      for (const attempt of attempts) this.options.observer?.handedBack?.(attempt);
    } catch (error) {
      // Not handed back, the jobs stay active until the reaper re-queues them after the lease.
      this.logger.error(
        { queue: this.queue, err: error },
        'handing back jobs beyond the batch budget failed',
      );
    }
  }

  private async runBatch(kept: ReadonlyArray<{ attempt: Attempt; payload: JobPayload<D> }>): Promise<void> {
    if (kept.length === 0) return;
    const { store, observer } = this.options;
    const batch = this.options.batch!;
    const tracked = kept.map(({ attempt, payload }) => {
      const { entry, renewNow, finished } = this.track(attempt);
      const context: BatchJobContext<JobPayload<D>> = {
        payload,
        attemptId: attempt.attemptId,
        jobId: attempt.jobId,
        attempt: attempt.attempt,
        queue: attempt.queue,
        signal: entry.controller.signal,
        heartbeat: renewNow,
      };
      return { entry, context, finished };
    });
    const byJob = new Map(tracked.map((t) => [t.context.jobId, t]));
    try {
      let results: ReadonlyMap<string, BatchJobResult>;
      try {
        results = await batch.handler({
          queue: this.queue,
          jobs: tracked.map((t) => t.context),
          withAttemptsFence: (jobs, effect) => {
            // Jobs aborted here (lease lost, consumer stopping) are not worth a fence.
            const asked = jobs.map((job) => byJob.get(job.jobId)).filter((t) => t !== undefined);
            const live = asked.filter((t) => !t.entry.controller.signal.aborted);
            return store.withAttemptsFence(
              live.map((t) => t.entry.attempt),
              (client, held) => {
                const ids = new Set(held.map((attempt) => attempt.jobId));
                return effect(
                  client,
                  live.filter((t) => ids.has(t.context.jobId)).map((t) => t.context),
                );
              },
            );
          },
        });
      } catch (error) {
        // The batch as a whole failed: each of its jobs fails with that error.
        results = new Map(tracked.map((t) => [t.context.jobId, { error }]));
      }
      await Promise.all(
        tracked.map(async ({ entry, context }) => {
          if (entry.handingBack) return;
          const result = results.get(context.jobId) ?? {
            error: new Error(
              `the batch handler of ${this.queue} returned no result for job ${context.jobId}`,
            ),
          };
          if ('error' in result) {
            const lost: unknown = entry.controller.signal.reason;
            if (result.error instanceof LostLeaseError) this.reportLost(entry.attempt, result.error);
            else if (lost instanceof LostLeaseError) this.reportLost(entry.attempt, lost);
            else await this.failAttempt(entry.attempt, result.error);
            return;
          }
          try {
            await store.complete(entry.attempt, result.output ?? null);
            observer?.completed?.(entry.attempt);
          } catch (error) {
            if (entry.handingBack) return;
            if (error instanceof LostLeaseError) this.reportLost(entry.attempt, error);
            else await this.failAttempt(entry.attempt, error);
          }
        }),
      );
    } finally {
      for (const t of tracked) t.finished();
    }
  }

  private startHeartbeat(
    attempt: Attempt,
    controller: AbortController,
  ): { stop: () => void; renewNow: (progress?: unknown) => Promise<void> } {
    const { store } = this.options;
    // Renew at a third of the lease: two renewals may fail before the lease runs out.
    const interval = (): number => this.heartbeatIntervalMs ?? (this.visibility() * 1000) / 3;
    let stopped = false;
    let timer: NodeJS.Timeout | undefined;
    let lastRenewed = Date.now();
    const lose = (error: LostLeaseError): void => {
      stopped = true;
      clearTimeout(timer);
      if (!controller.signal.aborted) controller.abort(error);
    };
    const renewNow = async (progress?: unknown): Promise<void> => {
      if (controller.signal.aborted && controller.signal.reason instanceof LostLeaseError) {
        throw controller.signal.reason;
      }
      const held = await store.renew(attempt, this.visibility(), progress);
      if (!held) {
        const error = new LostLeaseError(attempt.attemptId, attempt.queue, attempt.jobId, 'expired');
        lose(error);
        throw error;
      }
      lastRenewed = Date.now();
    };
    const tick = (): void => {
      if (stopped) return;
      renewNow()
        .catch((error: unknown) => {
          if (error instanceof LostLeaseError) return;
          this.logger.warn(
            { queue: attempt.queue, attemptId: attempt.attemptId, err: error },
            'lease renewal failed',
          );
          // Without a renewal for a whole visibility timeout the reaper may have given the job
          // to someone else: stop working on it rather than race the new attempt.
          if (Date.now() - lastRenewed >= this.visibility() * 1000) {
            lose(
              new LostLeaseError(
                attempt.attemptId,
                attempt.queue,
                attempt.jobId,
                'expired',
                'no renewal got through',
              ),
            );
          }
        })
        .finally(() => {
          if (!stopped) timer = setTimeout(tick, interval());
        });
    };
    timer = setTimeout(tick, interval());
    return {
      stop: () => {
        stopped = true;
        clearTimeout(timer);
      },
      renewNow,
    };
  }

  private async run(
    entry: Running,
    job: FetchedJob,
    renewNow: (progress?: unknown) => Promise<void>,
  ): Promise<void> {
    const { store, def, handler, observer } = this.options;
    const { attempt, controller } = entry;
    try {
      const payload = parsePayload(def, job.data) as JobPayload<D>;
      const output = await handler!({
        payload,
        attemptId: attempt.attemptId,
        jobId: attempt.jobId,
        attempt: attempt.attempt,
        queue: attempt.queue,
        signal: controller.signal,
        heartbeat: renewNow,
        withAttemptFence: (effect) => store.withAttemptFence(attempt, effect),
      });
      if (entry.handingBack) return;
      await store.complete(attempt, output ?? null);
      observer?.completed?.(attempt);
    } catch (error) {
      if (entry.handingBack) return;
      if (error instanceof LostLeaseError) {
        this.reportLost(attempt, error);
        return;
      }
      await this.failAttempt(attempt, error);
    }
  }

  private async failAttempt(attempt: Attempt, error: unknown): Promise<void> {
    const permanent =
      error instanceof InvalidPayloadError ||
      (typeof error === 'object' && error !== null && (error as { permanent?: unknown }).permanent === true);
    const failure = {
      message: error instanceof Error ? error.message : String(error),
      errorName: error instanceof Error ? error.name : 'Error',
      permanent,
    };
    try {
      await this.options.store.fail(attempt, failure);
      this.options.observer?.failed?.(attempt, error);
      this.logger.warn(
        {
          queue: attempt.queue,
          jobId: attempt.jobId,
          attemptId: attempt.attemptId,
          permanent,
          error: failure.message,
        },
        permanent ? 'job failed permanently' : 'job attempt failed; pg-boss retries it with backoff',
      );
    } catch (settleError) {
      if (settleError instanceof LostLeaseError) this.reportLost(attempt, settleError);
      else
        this.logger.error(
          { queue: attempt.queue, attemptId: attempt.attemptId, err: settleError },
          'failing a job failed',
        );
    }
  }

  private reportLost(attempt: Attempt, error: LostLeaseError): void {
    this.options.observer?.lostLease?.(attempt, error);
    this.logger.warn(
      { queue: attempt.queue, jobId: attempt.jobId, attemptId: attempt.attemptId, reason: error.reason },
      error.message,
    );
  }
}
