// A node's job machinery: pg-boss through the cluster's URI (pgBouncer), the cluster's queues,
// the lease store, the producer, Redis wake-ups when configured, metrics, and the runtime whose
// consumer slots follow the settings and the health gates live. The consumers themselves are
// started by JobsModule once Nest has discovered the handlers.
import { type HealthMonitor } from '@portico/cluster';
import { createBoss, type PgBoss } from '@portico/db';
import { JOB_CATALOGUE, parseQueueName, findJob, type JobRole } from '@portico/jobs-contracts';
import {
  ensureQueues,
  JobProducer,
  JobsRuntime,
  PgLeaseStore,
  queueDepths,
  type QueueDepth,
  RedisWakeups,
} from '@portico/jobs-runtime';
import { type SettingsState } from '@portico/settings';
import type { Pool } from 'pg';

import type { AppContext } from '../bootstrap/run-app';
import type { Logger } from '../logging/logger';
import { CONCURRENCY_SETTINGS, jobConcurrency } from './job-concurrency';
import { JobMetrics, type RoleJobCounts } from './job-metrics';

export interface NodeJobs {
  readonly boss: PgBoss;
  readonly producer: JobProducer;
  readonly runtime: JobsRuntime;
  /** The last polled depths of the cluster's queues (every 5 s). */
  depths(): readonly QueueDepth[];
  /** Per-role job counts for telemetry. */
  roleCounts(): Record<string, RoleJobCounts>;
}

export interface NodeJobsInput {
  readonly clusterId: string;
  readonly nodeId: string;
  readonly roles: readonly JobRole[];
  readonly databaseUrl: string;
  readonly redisUrl?: string;
  readonly pool: Pool;
  readonly settings: SettingsState;
  readonly health: HealthMonitor;
  readonly logger: Logger;
  /** How long running jobs may finish on SIGTERM before they are handed back. Default 10 s. */
  readonly stopGraceMs?: number;
}

const DEPTH_POLL_MS = 5_000;

export async function startNodeJobs(input: NodeJobsInput, context: AppContext): Promise<NodeJobs> {
  const logger = input.logger.child({ component: 'jobs' });
  const boss = createBoss(input.databaseUrl, {
    // pg-boss's own supervisor is only the backstop (job expiry, retention): leases are ours.
    supervise: true,
    schedule: false,
    max: 10,
    application_name: `portico-jobs-${context.app}`,
  });
  let bossErrors = 0;
  boss.on('error', (error: unknown) => {
    // One line per burst: a database outage makes every pg-boss timer fail at once.
    if (bossErrors++ % 100 === 0) logger.warn({ err: error, count: bossErrors }, 'pg-boss reported an error');
  });
  await boss.start();
  context.onShutdown(() => boss.stop({ graceful: false, close: true, timeout: 5_000 }));
  await ensureQueuesTolerant(boss, input.clusterId);

  const wakeups = input.redisUrl ? new RedisWakeups(input.redisUrl, logger) : undefined;
  if (wakeups) context.onShutdown(() => wakeups.close());

  const metrics = new JobMetrics(context.metrics.registry, (queue) => {
    const parsed = parseQueueName(queue);
    return parsed?.kind === 'job' ? findJob(parsed.jobName)?.role : undefined;
  });
  const runtime = new JobsRuntime({
    roles: input.roles,
    catalogue: JOB_CATALOGUE,
    store: new PgLeaseStore(input.pool, boss),
    worker: { clusterId: input.clusterId, nodeId: input.nodeId, workerId: context.workerId },
    visibilitySeconds: () => input.settings.current.values.visibility_timeout,
    concurrency: (def) =>
      jobConcurrency(def, input.settings.current, input.health.roleGate(def.role).allowed),
    wakeups,
    logger,
    observer: metrics.observer,
    stopGraceMs: input.stopGraceMs ?? 10_000,
  });
  const unsubscribe = input.settings.subscribe(CONCURRENCY_SETTINGS, () => runtime.refreshConcurrency());
  const detachHealth = input.health.onChange(() => runtime.refreshConcurrency());
  context.onShutdown(() => {
    unsubscribe();
    detachHealth();
  });

  let depths: readonly QueueDepth[] = [];
  let depthFailures = 0;
  const poll = async (): Promise<void> => {
    try {
      depths = await queueDepths(input.pool, input.clusterId, {
        visibilitySeconds: input.settings.current.values.visibility_timeout,
      });
      metrics.setDepths(depths);
      depthFailures = 0;
    } catch (error) {
      if (depthFailures++ === 0) logger.warn({ err: error }, 'reading queue depths failed');
    }
    metrics.setConsumers(runtime.stats());
  };
  await poll();
  const timer = setInterval(() => void poll(), DEPTH_POLL_MS).unref();
  context.onShutdown(() => clearInterval(timer));

  return {
    boss,
    producer: new JobProducer(boss, wakeups),
    runtime,
    depths: () => depths,
    roleCounts: () => metrics.roleCounts(runtime.stats()),
  };
}

/** Nodes of a cluster start together: a queue another node created meanwhile is not an error. */
async function ensureQueuesTolerant(boss: PgBoss, clusterId: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await ensureQueues(boss, clusterId, JOB_CATALOGUE);
      return;
    } catch (error) {
      if (attempt >= 5) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
    }
  }
}
