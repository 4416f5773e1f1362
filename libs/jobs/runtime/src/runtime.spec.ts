import { randomUUID } from 'node:crypto';

import { defineJob } from '@portico/jobs-contracts';
import { z } from 'zod';

import { jobIdForKey } from './idempotency';
import { JobConsumer, type JobBatchHandler } from './job-consumer';
import {
  type Attempt,
  type FailureRecord,
  type FencedClient,
  type FetchedJob,
  LeaseStore,
} from './lease-store';
import { ConcurrencySlots } from './slots';

describe('ConcurrencySlots', () => {
  it('takes at most what is free and never goes negative when lowered', () => {
    const slots = new ConcurrencySlots(3);
    expect(slots.take(5)).toBe(3);
    expect(slots.available).toBe(0);
    slots.setLimit(1);
    expect(slots.available).toBe(0);
    slots.release(2);
    expect(slots.available).toBe(0);
    slots.release();
    expect(slots.available).toBe(1);
    slots.setLimit(4);
    expect(slots.take(2)).toBe(2);
    expect(() => slots.release(3)).toThrow();
    expect(() => slots.setLimit(-1)).toThrow(RangeError);
  });
});

describe('jobIdForKey', () => {
  it('is a stable uuid per queue and key', () => {
    const id = jobIdForKey('pt.x.checksum.file', 'file-1');
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(jobIdForKey('pt.x.checksum.file', 'file-1')).toBe(id);
    expect(jobIdForKey('pt.y.checksum.file', 'file-1')).not.toBe(id);
    expect(jobIdForKey('pt.x.checksum.file', 'file-2')).not.toBe(id);
  });
});

const job = defineJob({
  name: 'test.noop',
  role: 'MAIN',
  payload: z.object({ n: z.number() }),
  retry: { limit: 0, delaySeconds: 0, backoff: false },
  deadLetter: true,
});

/** In-memory store: a list of queued jobs, attempts that are always held. */
class FakeStore extends LeaseStore {
  readonly queued: FetchedJob[] = [];
  readonly events: string[] = [];
  /** Jobs whose lease a fence finds gone. */
  readonly lost = new Set<string>();
  fetchSizes: number[] = [];

  override fetch(_queue: string, limit: number): Promise<FetchedJob[]> {
    this.fetchSizes.push(limit);
    return Promise.resolve(this.queued.splice(0, limit));
  }
  override openAttempts(
    worker: { clusterId: string; workerId: string; nodeId: string },
    queue: string,
    jobs: readonly FetchedJob[],
  ): Promise<Attempt[]> {
    return Promise.resolve(
      jobs.map((fetched) => ({
        attemptId: randomUUID(),
        ...worker,
        queue,
        jobId: fetched.id,
        attempt: fetched.retryCount,
        leasedUntil: new Date(),
        visibilitySeconds: 30,
      })),
    );
  }
  override renew(): Promise<boolean> {
    return Promise.resolve(true);
  }
  override complete(attempt: Attempt, output?: unknown): Promise<void> {
    this.events.push(`complete ${attempt.jobId}${output ? ` ${JSON.stringify(output)}` : ''}`);
    return Promise.resolve();
  }
  override fail(attempt: Attempt, failure: FailureRecord): Promise<void> {
    this.events.push(`fail ${attempt.jobId} ${failure.permanent ? 'permanent' : 'retry'}`);
    return Promise.resolve();
  }
  override handBack(attempts: readonly Attempt[]): Promise<void> {
    for (const attempt of attempts) this.events.push(`handBack ${attempt.jobId}`);
    return Promise.resolve();
  }
  override withAttemptFence<T>(_attempt: Attempt, effect: (client: FencedClient) => Promise<T>): Promise<T> {
    return effect({ query: () => Promise.resolve({ rows: [], rowCount: 0 }) });
  }
  override withAttemptsFence<T>(
    attempts: readonly Attempt[],
    effect: (client: FencedClient, held: readonly Attempt[]) => Promise<T>,
  ): Promise<T> {
    this.events.push(`fence ${attempts.map((a) => a.jobId).join(',')}`);
    return effect(
      { query: () => Promise.resolve({ rows: [], rowCount: 0 }) },
      attempts.filter((attempt) => !this.lost.has(attempt.jobId)),
    );
  }
}

const waitUntil = async (condition: () => boolean): Promise<void> => {
  for (let i = 0; i < 200 && !condition(); i += 1) await new Promise((resolve) => setTimeout(resolve, 5));
  if (!condition()) throw new Error('condition never held');
};

describe('JobConsumer (fake store)', () => {
  const worker = { clusterId: randomUUID(), workerId: randomUUID(), nodeId: randomUUID() };

  it('fetches no more than its free slots and settles each outcome', async () => {
    const store = new FakeStore();
    store.queued.push(
      { id: 'ok', retryCount: 0, data: { n: 1 } },
      { id: 'bad', retryCount: 0, data: { n: 'x' } },
      { id: 'boom', retryCount: 0, data: { n: 3 } },
    );
    const consumer = new JobConsumer({
      store,
      def: job,
      worker,
      visibilitySeconds: 30,
      concurrency: 2,
      pollIntervalMs: 10,
      handler: (ctx) => (ctx.payload.n === 3 ? Promise.reject(new Error('boom')) : Promise.resolve(null)),
    });
    consumer.start();
    await waitUntil(() => store.events.length === 3);
    await consumer.stop({ graceMs: 0 });
    expect(store.events.sort()).toEqual(['complete ok', 'fail bad permanent', 'fail boom retry']);
    expect(Math.max(...store.fetchSizes)).toBeLessThanOrEqual(2);
  });

  it('hands back, after the grace period, what is still running on stop', async () => {
    const store = new FakeStore();
    store.queued.push({ id: 'slow', retryCount: 0, data: { n: 1 } });
    let aborted: unknown;
    const consumer = new JobConsumer({
      store,
      def: job,
      worker,
      visibilitySeconds: 30,
      concurrency: 1,
      pollIntervalMs: 10,
      handler: (ctx) =>
        new Promise((_, reject) =>
          ctx.signal.addEventListener('abort', () => {
            aborted = ctx.signal.reason;
            reject(ctx.signal.reason as Error);
          }),
        ),
    });
    consumer.start();
    await waitUntil(() => consumer.active === 1);
    await consumer.stop({ graceMs: 20 });
    expect(store.events).toEqual(['handBack slow']);
    expect((aborted as Error).name).toBe('ConsumerStoppingError');
  });
});

describe('JobConsumer with a batch handler (fake store)', () => {
  const worker = { clusterId: randomUUID(), workerId: randomUUID(), nodeId: randomUUID() };
  const queue = (n: number, weight = 1): FetchedJob[] =>
    Array.from({ length: n }, (_, i) => ({ id: `j${i}`, retryCount: 0, data: { n: weight } }));
  /** A started batch consumer of `job` on `store`, weighing a job by its `n`. */
  const batchConsumer = (
    store: FakeStore,
    handler: JobBatchHandler<typeof job>,
    { concurrency = 1, maxJobs = 8, budget = 100 } = {},
  ): JobConsumer<typeof job> => {
    const consumer = new JobConsumer({
      store,
      def: job,
      worker,
      visibilitySeconds: 30,
      concurrency,
      pollIntervalMs: 10,
      batch: { maxJobs, budget, weigh: (payload) => payload.n, handler },
    });
    consumer.start();
    return consumer;
  };

  it('claims growing batches, fences them once and settles each job by its result', async () => {
    const store = new FakeStore();
    store.queued.push(...queue(30), { id: 'bad', retryCount: 0, data: { n: 'x' } });
    store.lost.add('j5');
    const batches: string[][] = [];
    const consumer = batchConsumer(store, async (batch) => {
      batches.push(batch.jobs.map((j) => j.jobId));
      const results = new Map<string, { output: unknown } | { error: unknown }>();
      await batch.withAttemptsFence(batch.jobs, (_client, held) => {
        for (const j of held)
          if (j.jobId === 'j7') results.set(j.jobId, { error: new Error('unreadable') });
          else if (j.jobId !== 'j9') results.set(j.jobId, { output: { ok: j.jobId } });
        return Promise.resolve();
      });
      return results;
    });
    await waitUntil(() => store.events.filter((e) => !e.startsWith('fence')).length === 31);
    await consumer.stop({ graceMs: 0 });
    // 1, 2, 4, 8, 8, 7 (+ the invalid one).
    expect(store.fetchSizes.slice(0, 5)).toEqual([1, 2, 4, 8, 8]);
    expect(batches.slice(0, 4)).toEqual([
      ['j0'],
      ['j1', 'j2'],
      ['j3', 'j4', 'j5', 'j6'],
      ['j7', 'j8', 'j9', 'j10', 'j11', 'j12', 'j13', 'j14'],
    ]);
    expect(store.events).toContain('fence j3,j4,j5,j6');
    expect(store.events).toContain('complete j4 {"ok":"j4"}');
    // Lost in the fence: no result, so it fails (the real store refuses that, fenced).
    expect(store.events).toContain('fail j5 retry');
    expect(store.events).toContain('fail j7 retry');
    expect(store.events).toContain('fail j9 retry');
    expect(store.events).toContain('fail bad permanent');
    expect(store.events.filter((e) => e.startsWith('complete'))).toHaveLength(27);
  });

  it('keeps a batch within its budget and hands back the rest at once', async () => {
    const store = new FakeStore();
    store.queued.push(
      ...queue(3, 1),
      ...queue(3, 60).map((j) => ({ ...j, id: `big${j.id}` })),
      ...queue(4, 1).map((j) => ({ ...j, id: `s${j.id}` })),
    );
    const batches: string[][] = [];
    const consumer = batchConsumer(store, (batch) => {
      batches.push(batch.jobs.map((j) => j.jobId));
      return Promise.resolve(new Map(batch.jobs.map((j) => [j.jobId, { output: null }])));
    });
    // Hand-backs put nothing back in this fake queue: only the fetched-and-kept jobs complete.
    await waitUntil(
      () =>
        store.events.some((e) => e.startsWith('handBack')) &&
        store.queued.length === 0 &&
        consumer.active === 0,
    );
    await consumer.stop({ graceMs: 0 });
    // 1 (j0), then 2 (j1, j2), then 4: j0..2 weigh 1, bigj0 60, bigj1 would pass 100.
    expect(batches[0]).toEqual(['j0']);
    expect(batches[1]).toEqual(['j1', 'j2']);
    expect(batches[2]).toEqual(['bigj0']);
    expect(store.events).toContain('handBack bigj1');
    expect(store.events).toContain('handBack bigj2');
    // After a batch cut short the claim starts again from what was kept (1), doubling.
    expect(store.fetchSizes.slice(0, 4)).toEqual([1, 2, 4, 2]);
  });

  it('fails every job of a batch whose handler throws', async () => {
    const store = new FakeStore();
    store.queued.push(...queue(3));
    const consumer = batchConsumer(store, () => Promise.reject(new Error('db down')), {
      concurrency: 2,
      maxJobs: 1,
    });
    await waitUntil(() => store.events.length === 3);
    await consumer.stop({ graceMs: 0 });
    expect(store.events.sort()).toEqual(['fail j0 retry', 'fail j1 retry', 'fail j2 retry']);
  });

  it('refuses a consumer with both a handler and a batch handler, or neither', () => {
    const base = { store: new FakeStore(), def: job, worker, visibilitySeconds: 30, concurrency: 1 };
    expect(() => new JobConsumer(base)).toThrow(TypeError);
    expect(
      () =>
        new JobConsumer({
          ...base,
          handler: () => Promise.resolve(null),
          batch: { maxJobs: 1, budget: 1, weigh: () => 1, handler: () => Promise.resolve(new Map()) },
        }),
    ).toThrow(/exactly one of handler and batch/);
  });
});
