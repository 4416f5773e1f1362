// Job metrics at /metrics (SPEC 2.2, issue: queue depth, active leases, job duration, retries,
// dead letters per queue) and the per-role counts telemetry reports.
import { type Attempt, type ConsumerObserver, type QueueDepth } from '@portico/jobs-runtime';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export interface RoleJobCounts {
  active: number;
  completed: number;
  failed: number;
}

export class JobMetrics {
  private readonly startedAt = new Map<string, number>();
  private readonly started: Counter<'queue'>;
  private readonly completedTotal: Counter<'queue'>;
  private readonly failedTotal: Counter<'queue' | 'permanent'>;
  private readonly retries: Counter<'queue'>;
  private readonly lost: Counter<'queue'>;
  private readonly handedBackTotal: Counter<'queue'>;
  private readonly duration: Histogram<'queue' | 'outcome'>;
  private readonly depth: Gauge<'queue' | 'state'>;
  private readonly leases: Gauge<'queue'>;
  private readonly dead: Gauge<'queue'>;
  private readonly running: Gauge<'queue'>;
  private readonly concurrency: Gauge<'queue'>;
  /** Per role since start, for telemetry. */
  private readonly counts = new Map<string, RoleJobCounts>();

  constructor(
    registry: Registry,
    private readonly roleOf: (queue: string) => string | undefined,
  ) {
    const registers = [registry];
    this.started = new Counter({
      name: 'portico_jobs_started_total',
      help: 'Job attempts started on this node.',
      labelNames: ['queue'],
      registers,
    });
    this.completedTotal = new Counter({
      name: 'portico_jobs_completed_total',
      help: 'Job attempts completed on this node.',
      labelNames: ['queue'],
      registers,
    });
    this.failedTotal = new Counter({
      name: 'portico_jobs_failed_total',
      help: 'Job attempts that failed on this node (permanent: no retry left to try).',
      labelNames: ['queue', 'permanent'],
      registers,
    });
    this.retries = new Counter({
      name: 'portico_job_retries_total',
      help: 'Failed attempts this node handed to a retry with backoff.',
      labelNames: ['queue'],
      registers,
    });
    this.lost = new Counter({
      name: 'portico_job_leases_lost_total',
      help: 'Attempts that lost their lease while running here (their result was rejected).',
      labelNames: ['queue'],
      registers,
    });
    this.handedBackTotal = new Counter({
      name: 'portico_jobs_handed_back_total',
      help: 'Jobs handed back at once on stop.',
      labelNames: ['queue'],
      registers,
    });
    this.duration = new Histogram({
      name: 'portico_job_duration_seconds',
      help: 'Wall time of job attempts on this node.',
      labelNames: ['queue', 'outcome'],
      buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600, 14400],
      registers,
    });
    this.depth = new Gauge({
      name: 'portico_queue_depth',
      help: 'Jobs per queue of the cluster by state (queued, deferred, active, failed).',
      labelNames: ['queue', 'state'],
      registers,
    });
    this.leases = new Gauge({
      name: 'portico_job_leases_active',
      help: 'Live job leases per queue in the cluster.',
      labelNames: ['queue'],
      registers,
    });
    this.dead = new Gauge({
      name: 'portico_dead_letters',
      help: 'Jobs of each queue waiting in the cluster dead-letter queue.',
      labelNames: ['queue'],
      registers,
    });
    this.running = new Gauge({
      name: 'portico_jobs_running',
      help: 'Handlers running on this node.',
      labelNames: ['queue'],
      registers,
    });
    this.concurrency = new Gauge({
      name: 'portico_job_concurrency',
      help: 'Handler slots of this node (0 while the role is gated by a failed health check).',
      labelNames: ['queue'],
      registers,
    });
  }

  /** What the consumers report about each attempt. */
  readonly observer: ConsumerObserver = {
    started: (attempt) => {
      this.startedAt.set(attempt.attemptId, performance.now());
      this.started.inc({ queue: attempt.queue });
    },
    completed: (attempt) => {
      this.finish(attempt, 'completed');
      this.completedTotal.inc({ queue: attempt.queue });
      this.count(attempt.queue).completed += 1;
    },
    failed: (attempt, error) => {
      this.finish(attempt, 'failed');
      const permanent =
        typeof error === 'object' && error !== null && (error as { permanent?: unknown }).permanent === true;
      this.failedTotal.inc({ queue: attempt.queue, permanent: String(permanent) });
      if (!permanent) this.retries.inc({ queue: attempt.queue });
      this.count(attempt.queue).failed += 1;
    },
    lostLease: (attempt) => {
      this.finish(attempt, 'lost-lease');
      this.lost.inc({ queue: attempt.queue });
    },
    handedBack: (attempt) => {
      this.finish(attempt, 'handed-back');
      this.handedBackTotal.inc({ queue: attempt.queue });
    },
  };

  /** Cluster-wide depths, refreshed by the node's poll. */
  setDepths(depths: readonly QueueDepth[]): void {
    this.depth.reset();
    this.leases.reset();
    this.dead.reset();
    for (const d of depths) {
      this.depth.set({ queue: d.queue, state: 'queued' }, d.queued);
      this.depth.set({ queue: d.queue, state: 'deferred' }, d.deferred);
      this.depth.set({ queue: d.queue, state: 'active' }, d.active);
      this.depth.set({ queue: d.queue, state: 'failed' }, d.failed);
      this.leases.set({ queue: d.queue }, d.leases);
      if (d.dead > 0 || !d.queue.endsWith('._dead')) this.dead.set({ queue: d.queue }, d.dead);
    }
  }

  /** This node's consumers now. */
  setConsumers(stats: ReadonlyArray<{ queue: string; active: number; concurrency: number }>): void {
    for (const s of stats) {
      this.running.set({ queue: s.queue }, s.active);
      this.concurrency.set({ queue: s.queue }, s.concurrency);
    }
  }

  /** Per-role counts for telemetry, `active` from the consumers now. */
  roleCounts(stats: ReadonlyArray<{ role: string; active: number }>): Record<string, RoleJobCounts> {
    const out: Record<string, RoleJobCounts> = {};
    for (const [role, counts] of this.counts) out[role] = { ...counts, active: 0 };
    for (const s of stats) {
      const entry = (out[s.role] ??= { active: 0, completed: 0, failed: 0 });
      entry.active += s.active;
    }
    return out;
  }

  private finish(attempt: Attempt, outcome: string): void {
    const start = this.startedAt.get(attempt.attemptId);
    this.startedAt.delete(attempt.attemptId);
    if (start !== undefined)
      this.duration.observe({ queue: attempt.queue, outcome }, (performance.now() - start) / 1000);
  }

  private count(queue: string): RoleJobCounts {
    const role = this.roleOf(queue) ?? 'unknown';
    let entry = this.counts.get(role);
    if (!entry) this.counts.set(role, (entry = { active: 0, completed: 0, failed: 0 }));
    return entry;
  }
}
