import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { StaleTermError, withFence, type LeaderElector } from '@portico/cluster';
import { REAP_ACTION, reapExpiredLeases } from '@portico/jobs-runtime';
import { LOGGER, NODE_RUNTIME, type Logger, type NodeRuntime } from '@portico/platform';
import { HOUSEKEEPING_INTERVAL_MS, shouldPrune } from './housekeeping';
import { HousekeepingRepository } from './housekeeping.repository';

/**
 * The leader's cluster housekeeping (SPEC: MAIN role): marks nodes that stopped reporting
 * Offline, prunes the fenced-write audit and re-queues the jobs of expired leases. Each step is a fenced transaction, so a
 * leader that lost its term (paused, partitioned) cannot change anything: its write is
 * refused and it stops until elected again.
 */
@Injectable()
export class HousekeepingService implements OnModuleInit, OnApplicationShutdown {
  private timer: NodeJS.Timeout | undefined;
  private round = 0;
  private running: Promise<void> | undefined;
  private readonly repository = new HousekeepingRepository();

  constructor(
    @Inject(NODE_RUNTIME) private readonly runtime: NodeRuntime,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onModuleInit(): void {
    const elector = this.runtime.election?.elector;
    if (!elector) return;
    elector.onElected((term) => this.start(elector, term));
    elector.onDemoted(() => this.stop());
  }

  async onApplicationShutdown(): Promise<void> {
    this.stop();
    await this.running;
  }

  private start(elector: LeaderElector, term: number): void {
    this.stop();
    this.round = 0;
    this.logger.info({ term }, 'leader housekeeping started');
    const tick = (): void => {
      this.running = this.runRound(elector).finally(() => {
        this.running = undefined;
        if (this.timer) this.timer = setTimeout(tick, HOUSEKEEPING_INTERVAL_MS);
      });
    };
    this.timer = setTimeout(tick, 0);
  }

  private stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private async runRound(elector: LeaderElector): Promise<void> {
    const context = elector.fenceContext('housekeeping');
    if (!context) return;
    const clusterId = context.clusterId;
    const prune = shouldPrune(this.round++);
    try {
      const { offline, pruned } = await withFence(this.runtime.pool, context, async (client) => ({
        offline: await this.repository.markSilentNodesOffline(client, clusterId),
        pruned: prune ? await this.repository.pruneFencedWrites(client, clusterId) : 0,
      }));
      for (const node of offline)
        this.logger.warn(
          { nodeId: node.id, node: node.name, term: context.term },
          'marked a silent node Offline',
        );
      if (pruned) this.logger.info({ pruned }, 'pruned the fenced-write audit');
      // Leases that ran out go back to their queues within about a second of expiry (SPEC 2.2),
      // in their own fenced transaction: pg-boss's supervisor would take a minute or more.
      const reaped = await reapExpiredLeases(
        this.runtime.pool,
        { ...context, action: REAP_ACTION },
        clusterId,
        {
          boss: this.runtime.jobs.boss,
          visibilitySeconds: this.runtime.settings.current.values.visibility_timeout,
        },
      );
      const requeued = reaped.expired;
      for (const queue of new Set(requeued.map((job) => job.queue)))
        this.runtime.jobs.producer.wakeQueue(queue);
      for (const job of requeued)
        this.logger.warn(
          {
            queue: job.queue,
            jobId: job.jobId,
            attempt: job.attempt,
            attemptId: job.attemptId,
            workerId: job.workerId,
            nodeId: job.nodeId,
            term: context.term,
          },
          'job lease expired; job re-queued',
        );
    } catch (error) {
      if (error instanceof StaleTermError) {
        this.logger.warn(
          { term: context.term, reason: error.reason },
          'housekeeping refused: this node no longer holds the term',
        );
        this.stop();
        return;
      }
      this.logger.error({ err: error, term: context.term }, 'housekeeping round failed');
    }
  }
}
