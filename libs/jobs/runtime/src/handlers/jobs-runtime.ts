// The node's consumers, one per consumed job type, built from the discovered handlers. Pure
// orchestration over the LeaseStore port: concurrency follows the settings and the health gate
// live, and stop() hands back what is still running once the grace period is over.
import { type JobDefinition, type JobRole } from '@portico/jobs-contracts';

import { type BatchHandling, type ConsumerObserver, JobConsumer, type JobHandler } from '../job-consumer';
import { type LeaseStore, type WorkerIdentity } from '../lease-store';
import { type JobLogger, type WakeupSource } from '../wakeups';
import { consumedJobs, type HandlerCandidate, planHandlers } from './handler-plan';

export interface JobsRuntimeOptions {
  readonly roles: readonly JobRole[];
  /** Every job type of the system (JOB_CATALOGUE). */
  readonly catalogue: readonly JobDefinition[];
  readonly store: LeaseStore;
  readonly worker: WorkerIdentity;
  /** The cluster's visibility_timeout now, in seconds. */
  readonly visibilitySeconds: () => number;
  /** Handlers allowed at once for a job type now: the role's setting, or 0 while its role is gated. */
  readonly concurrency: (def: JobDefinition) => number;
  readonly wakeups?: WakeupSource;
  readonly logger: JobLogger;
  readonly observer?: ConsumerObserver;
  readonly batchSize?: number;
  readonly pollIntervalMs?: number;
  /** How long running handlers may finish on stop before their jobs are handed back. */
  readonly stopGraceMs: number;
}

/** A discovered handler: of one job at a time, or of batches. */
export type DiscoveredHandler = HandlerCandidate &
  (
    | { readonly handler: JobHandler<JobDefinition>; readonly batch?: undefined }
    | { readonly handler?: undefined; readonly batch: BatchHandling<JobDefinition> }
  );

export interface JobsRuntimeStats {
  readonly queue: string;
  readonly job: string;
  readonly role: JobRole;
  readonly concurrency: number;
  readonly active: number;
}

export class JobsRuntime {
  private readonly consumers = new Map<
    string,
    { def: JobDefinition; consumer: JobConsumer<JobDefinition> }
  >();
  private started = false;

  constructor(private readonly options: JobsRuntimeOptions) {}

  /** Plans the handlers (throws HandlerDiscoveryError on a miswiring) and starts one consumer per job type. */
  start(handlers: readonly DiscoveredHandler[]): void {
    if (this.started) throw new Error('job runtime already started');
    const plan = planHandlers(consumedJobs(this.options.roles, this.options.catalogue), handlers);
    this.started = true;
    for (const [name, found] of plan) {
      const consumer = new JobConsumer({
        store: this.options.store,
        def: found.def,
        worker: this.options.worker,
        handler: found.handler,
        batch: found.batch,
        visibilitySeconds: this.options.visibilitySeconds,
        concurrency: this.options.concurrency(found.def),
        wakeups: this.options.wakeups,
        logger: this.options.logger,
        observer: this.options.observer,
        batchSize: this.options.batchSize,
        pollIntervalMs: this.options.pollIntervalMs,
      });
      this.consumers.set(name, { def: found.def, consumer });
      consumer.start();
    }
    if (plan.size > 0) {
      this.options.logger.info(
        { jobs: this.stats().map((s) => ({ job: s.job, concurrency: s.concurrency })) },
        'job consumers started',
      );
    }
  }

  /** Re-reads every consumer's concurrency (settings changed, or a health gate opened or closed). */
  refreshConcurrency(): void {
    for (const { def, consumer } of this.consumers.values()) {
      const next = this.options.concurrency(def);
      if (next === consumer.concurrency) continue;
      consumer.setConcurrency(next);
      this.options.logger.info(
        { job: def.name, concurrency: next },
        next === 0 ? 'taking no new jobs' : 'job concurrency changed',
      );
    }
  }

  stats(): JobsRuntimeStats[] {
    return [...this.consumers.values()].map(({ def, consumer }) => ({
      queue: consumer.queue,
      job: def.name,
      role: def.role,
      concurrency: consumer.concurrency,
      active: consumer.active,
    }));
  }

  /** Stops fetching everywhere at once, then waits (grace) and hands back what is left. */
  async stop(): Promise<void> {
    const all = [...this.consumers.values()];
    this.consumers.clear();
    await Promise.all(all.map(({ consumer }) => consumer.stop({ graceMs: this.options.stopGraceMs })));
  }
}
