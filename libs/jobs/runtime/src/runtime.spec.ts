import { randomUUID } from 'node:crypto';

import { defineJob } from '@portico/jobs-contracts';
import { z } from 'zod';

import { jobIdForKey } from './idempotency';
import { JobConsumer } from './job-consumer';
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
  override complete(attempt: Attempt): Promise<void> {
    this.events.push(`complete ${attempt.jobId}`);
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
