import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { DeadLetterSelection, JobsOverview } from '@portico/control-plane-client';
import { createBossOnPool, type PgBoss } from '@portico/db';
import { parseQueueName } from '@portico/jobs-contracts';
import { JobAdmin, queueDepths, type DeadLetter, type JobView } from '@portico/jobs-runtime';
import type { Pool } from 'pg';
import { NotFoundError } from '../common/api-errors';
import { CP_DB } from '../injection';

/** The jobs of a cluster as operators see them: pg-boss's tables, our lease rows, pg-boss redrive. */
@Injectable()
export class JobsRepository implements OnModuleInit, OnApplicationShutdown {
  private readonly boss: PgBoss;
  private readonly admin: JobAdmin;

  constructor(@Inject(CP_DB) private readonly pool: Pool) {
    this.boss = createBossOnPool(pool);
    this.boss.on('error', () => undefined);
    this.admin = new JobAdmin(pool, this.boss);
  }

  async onModuleInit(): Promise<void> {
    await this.boss.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.boss.stop({ graceful: false, close: false, timeout: 2_000 });
  }

  async overview(clusterId: string): Promise<JobsOverview> {
    await this.requireCluster(clusterId);
    const depths = await queueDepths(this.pool, clusterId);
    const queues = depths.map((depth) => {
      const parsed = parseQueueName(depth.queue);
      return { job: parsed?.kind === 'job' ? parsed.jobName : '_dead', ...depth };
    });
    const sum = (pick: (q: (typeof queues)[number]) => number): number =>
      queues.reduce((total, q) => total + pick(q), 0);
    return {
      clusterId,
      queues,
      totals: {
        queued: sum((q) => (q.job === '_dead' ? 0 : q.queued)),
        active: sum((q) => q.active),
        leases: sum((q) => q.leases),
        dead: sum((q) => q.dead),
      },
    };
  }

  async listDeadLetters(
    clusterId: string,
    query: { limit: number; before?: string; job?: string },
  ): Promise<DeadLetter[]> {
    await this.requireCluster(clusterId);
    return this.admin.listDeadLetters(clusterId, query);
  }

  async retry(clusterId: string, selection: DeadLetterSelection): Promise<number> {
    await this.requireCluster(clusterId);
    return this.admin.retryDeadLetters(clusterId, await this.idsOf(clusterId, selection));
  }

  async discard(clusterId: string, selection: DeadLetterSelection): Promise<number> {
    await this.requireCluster(clusterId);
    return this.admin.discardDeadLetters(clusterId, await this.idsOf(clusterId, selection));
  }

  async job(clusterId: string, jobId: string): Promise<JobView> {
    await this.requireCluster(clusterId);
    const job = await this.admin.getJob(clusterId, jobId);
    if (!job) throw new NotFoundError(`job ${jobId} not found in cluster ${clusterId}`);
    return job;
  }

  /** `all` takes every dead letter (of one job type when given), in pages. */
  private async idsOf(clusterId: string, selection: DeadLetterSelection): Promise<string[]> {
    if (selection.ids) return selection.ids;
    const ids: string[] = [];
    let before: string | undefined;
    for (;;) {
      const page = await this.admin.listDeadLetters(clusterId, { limit: 1000, before, job: selection.job });
      ids.push(...page.map((letter) => letter.id));
      if (page.length < 1000) return ids;
      before = page.at(-1)!.deadAt;
    }
  }

  private async requireCluster(clusterId: string): Promise<void> {
    const { rowCount } = await this.pool.query('SELECT 1 FROM portico.clusters WHERE id = $1', [clusterId]);
    if (!rowCount) throw new NotFoundError(`cluster ${clusterId} not found`);
  }
}
