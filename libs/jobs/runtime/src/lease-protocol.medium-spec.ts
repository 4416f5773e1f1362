// The job-lease protocol against real PostgreSQL through pgBouncer (transaction mode).
import { randomUUID } from 'node:crypto';

import { type FenceContext, LeaseRepository, StaleTermError } from '@portico/cluster';
import { createBoss, createPool, type PgBoss } from '@portico/db';
import {
  deadLetterQueueName,
  defineJob,
  InvalidPayloadError,
  queueName,
  retryDelayBounds,
} from '@portico/jobs-contracts';
import { useTestDatabase, waitFor } from '@portico/testing';
import { type Pool } from 'pg';
import { z } from 'zod';

import { LostLeaseError } from './errors';
import {
  type ConsumerObserver,
  type JobConsumer,
  type JobHandler,
  JobConsumer as Consumer,
} from './job-consumer';
import { JobAdmin } from './job-admin.repository';
import { ensureQueues, JobProducer } from './job-producer.adapter';
import { type Attempt } from './lease-store';
import { attemptIdOf, PgLeaseStore } from './lease.repository';
import { REAP_ACTION, reapExpiredLeases, type ReapResult } from './reaper.repository';

// Test-only job type; not part of the product's catalogue.
const noopJob = defineJob({
  name: 'test.noop',
  role: 'MAIN',
  payload: z.object({ n: z.number().int(), poison: z.boolean().optional() }),
  retry: { limit: 2, delaySeconds: 1, backoff: true },
  deadLetter: true,
});

const db = useTestDatabase();
let pool: Pool;
let boss: PgBoss;
let store: PgLeaseStore;
let producer: JobProducer;
const cleanups: Array<() => Promise<void>> = [];

beforeAll(async () => {
  pool = createPool(db.url, { max: 12 });
  boss = createBoss(db.url, {
    supervise: false,
    schedule: false,
    max: 12,
    application_name: 'jobs-lease-spec',
  });
  boss.on('error', () => undefined);
  await boss.start();
  store = new PgLeaseStore(pool, boss);
  producer = new JobProducer(boss);
  await pool.query('CREATE TABLE public.effects (attempt_id uuid, who text, n int)');
});

afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

afterAll(async () => {
  await boss.stop({ graceful: false, timeout: 5_000 });
  await pool.end();
});

interface ClusterFixture {
  clusterId: string;
  fence: FenceContext;
  queue: string;
}

/** A cluster with its queues and a leader lease (the reaper's fence). */
async function newCluster(): Promise<ClusterFixture> {
  const clusterId = randomUUID();
  await pool.query('INSERT INTO portico.clusters (id, name) VALUES ($1, $2)', [
    clusterId,
    `jobs-${clusterId}`,
  ]);
  await ensureQueues(boss, clusterId, [noopJob]);
  const nodeId = randomUUID();
  const workerId = randomUUID();
  const grant = await new LeaseRepository(pool, { requestTimeoutMs: 5_000 }).acquire(
    clusterId,
    nodeId,
    workerId,
    600_000,
  );
  if (!grant.granted) throw new Error('expected the leader lease');
  return {
    clusterId,
    queue: queueName(clusterId, noopJob.name),
    fence: { clusterId, term: grant.term, nodeId, workerId, action: REAP_ACTION },
  };
}

function consumer(
  cluster: ClusterFixture,
  handler: JobHandler<typeof noopJob>,
  options: {
    visibilitySeconds?: number;
    concurrency?: number;
    heartbeatIntervalMs?: number;
    observer?: ConsumerObserver;
    graceMs?: number;
  } = {},
): JobConsumer<typeof noopJob> {
  const instance = new Consumer({
    store,
    def: noopJob,
    worker: { clusterId: cluster.clusterId, workerId: randomUUID(), nodeId: randomUUID() },
    handler,
    visibilitySeconds: options.visibilitySeconds ?? 30,
    concurrency: options.concurrency ?? 1,
    pollIntervalMs: 200,
    ...(options.heartbeatIntervalMs === undefined
      ? {}
      : { heartbeatIntervalMs: options.heartbeatIntervalMs }),
    ...(options.observer ? { observer: options.observer } : {}),
  });
  instance.start();
  cleanups.push(() => instance.stop({ graceMs: options.graceMs ?? 0 }));
  return instance;
}

/** The leader's reaper loop, every `intervalMs`. */
function runReaper(cluster: ClusterFixture, visibilitySeconds: number, intervalMs = 1_000): ReapResult[] {
  const results: ReapResult[] = [];
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const tick = (): void => {
    reapExpiredLeases(pool, cluster.fence, cluster.clusterId, { boss, visibilitySeconds })
      .then((result) => {
        if (result.expired.length > 0) results.push(result);
      })
      .catch(() => undefined)
      .finally(() => {
        if (!stopped) timer = setTimeout(tick, intervalMs);
      });
  };
  timer = setTimeout(tick, intervalMs);
  cleanups.push(() => {
    stopped = true;
    clearTimeout(timer);
    return Promise.resolve();
  });
  return results;
}

async function jobState(queue: string, id: string): Promise<string | undefined> {
  return (await boss.getJobById(queue, id))?.state;
}

async function attemptsOf(
  jobId: string,
): Promise<Array<{ attempt_id: string; state: string; attempt: number }>> {
  return (
    await pool.query<{ attempt_id: string; state: string; attempt: number }>(
      'SELECT attempt_id, state, attempt FROM portico.job_attempts WHERE job_id = $1 ORDER BY started_at',
      [jobId],
    )
  ).rows;
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

function untilAborted(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    if (signal.aborted) reject(signal.reason as Error);
    signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true });
  });
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

it('takes the job from a consumer that stops heartbeating and rejects its late completion and effect', async () => {
  const cluster = await newCluster();
  const visibilitySeconds = 2;
  runReaper(cluster, visibilitySeconds);

  const aStarted = deferred();
  const releaseA = deferred();
  let aStartedAt = 0;
  let aEffectError: unknown;
  const lostA: LostLeaseError[] = [];
  // A hangs: its heartbeat never fires within the visibility timeout.
  consumer(
    cluster,
    async (ctx) => {
      aStartedAt = Date.now();
      aStarted.resolve();
      await releaseA.promise;
      try {
        await ctx.withAttemptFence((client) =>
          client.query('INSERT INTO public.effects (attempt_id, who, n) VALUES ($1, $2, $3)', [
            ctx.attemptId,
            'A',
            ctx.payload.n,
          ]),
        );
      } catch (error) {
        aEffectError = error;
      }
      return { by: 'A' };
    },
    {
      visibilitySeconds,
      heartbeatIntervalMs: 600_000,
      observer: { lostLease: (_a, error) => lostA.push(error) },
    },
  );
  const jobId = await producer.send(noopJob, cluster.clusterId, { n: 1 }, { idempotencyKey: null });
  if (!jobId) throw new Error('no job id');
  await aStarted.promise;

  let bStartedAt = 0;
  const bDone = deferred();
  consumer(
    cluster,
    async (ctx) => {
      bStartedAt = Date.now();
      await ctx.withAttemptFence((client) =>
        client.query('INSERT INTO public.effects (attempt_id, who, n) VALUES ($1, $2, $3)', [
          ctx.attemptId,
          'B',
          ctx.payload.n,
        ]),
      );
      return { by: 'B' };
    },
    { visibilitySeconds, observer: { completed: () => bDone.resolve() } },
  );
  await bDone.promise;
  const takeoverMs = bStartedAt - aStartedAt;
  process.stderr.write(
    `[jobs] takeover after a hung worker: ${takeoverMs} ms (visibility ${visibilitySeconds} s)\n`,
  );
  expect(takeoverMs).toBeLessThan((visibilitySeconds + 2) * 1000);

  releaseA.resolve();
  await waitFor(() => lostA.length > 0, { description: "A's late completion rejected" });
  expect(lostA[0]).toBeInstanceOf(LostLeaseError);
  expect(lostA[0]!.reason).toBe('reaped');
  expect(aEffectError).toBeInstanceOf(LostLeaseError);

  const effects = (await pool.query<{ who: string }>('SELECT who FROM public.effects WHERE n = 1')).rows;
  expect(effects.map((row) => row.who)).toEqual(['B']);
  expect(await jobState(cluster.queue, jobId)).toBe('completed');
  expect((await boss.getJobById<{ by: string }>(cluster.queue, jobId))?.output).toEqual({ by: 'B' });
  expect((await attemptsOf(jobId)).map((row) => row.state)).toEqual(['expired', 'completed']);
});

it('never re-delivers a long job (> 3x the visibility timeout) that keeps heartbeating', async () => {
  const cluster = await newCluster();
  const visibilitySeconds = 2;
  const reaped = runReaper(cluster, visibilitySeconds, 500);
  const starts: string[] = [];
  const done = deferred();
  const handler: JobHandler<typeof noopJob> = async (ctx) => {
    starts.push(ctx.attemptId);
    await ctx.heartbeat({ phase: 'begin' });
    await sleep(3.5 * visibilitySeconds * 1000);
    return { ok: true };
  };
  // Two consumers compete; whichever takes the job must keep it.
  consumer(cluster, handler, { visibilitySeconds, observer: { completed: () => done.resolve() } });
  consumer(cluster, handler, { visibilitySeconds, observer: { completed: () => done.resolve() } });
  const jobId = await producer.send(noopJob, cluster.clusterId, { n: 2 });
  if (!jobId) throw new Error('no job id');
  await done.promise;
  expect(starts).toHaveLength(1);
  expect(reaped).toEqual([]);
  expect(await jobState(cluster.queue, jobId)).toBe('completed');
  const [attempt] = await attemptsOf(jobId);
  expect(attempt?.state).toBe('completed');
});

let healed = false;

it('retries a poison job with growing delays into the dead letter while other jobs flow; retry from the dead letter works', async () => {
  const cluster = await newCluster();
  const poisonStarts: number[] = [];
  const completed: Attempt[] = [];
  consumer(
    cluster,
    (ctx) => {
      if (ctx.payload.poison && !healed) {
        poisonStarts.push(Date.now());
        return Promise.reject(new Error(`boom on attempt ${ctx.attempt}`));
      }
      return Promise.resolve({ n: ctx.payload.n });
    },
    { concurrency: 4, observer: { completed: (attempt) => completed.push(attempt) } },
  );
  const poisonId = await producer.send(noopJob, cluster.clusterId, { n: 100, poison: true });
  const others = await producer.sendBatch(
    noopJob,
    cluster.clusterId,
    Array.from({ length: 20 }, (_, i) => ({ n: 200 + i })),
  );
  expect(others).toHaveLength(20);

  const dead = await waitFor(
    async () => {
      const jobs = await boss.findJobs<{ n: number }>(deadLetterQueueName(cluster.clusterId));
      return jobs.find((job) => job.sourceId === poisonId);
    },
    { description: 'the poison job in the dead letter queue', timeoutMs: 30_000 },
  );
  expect(dead.data).toEqual({ n: 100, poison: true });
  expect(dead.sourceOutput).toMatchObject({ message: 'boom on attempt 2', permanent: false });
  expect(poisonStarts).toHaveLength(noopJob.retry.limit + 1);
  const gaps = poisonStarts.slice(1).map((at, i) => at - poisonStarts[i]!);
  process.stderr.write(`[jobs] poison retry gaps: ${gaps.join(', ')} ms\n`);
  gaps.forEach((gap, i) => {
    const bounds = retryDelayBounds(noopJob.retry, i);
    expect(gap).toBeGreaterThanOrEqual(bounds.minSeconds * 1000 - 100);
    expect(gap).toBeLessThanOrEqual(bounds.maxSeconds * 1000 + 1_500);
  });
  expect(completed.length).toBe(20);
  expect(await jobState(cluster.queue, poisonId!)).toBe('failed');

  // The operator's view: listed with its last error; retried (fresh retries) it runs again.
  const admin = new JobAdmin(pool, boss);
  const listed = await admin.listDeadLetters(cluster.clusterId);
  expect(listed).toEqual([
    expect.objectContaining({
      id: dead.id,
      job: noopJob.name,
      sourceJobId: poisonId,
      data: { n: 100, poison: true },
      error: expect.objectContaining({ message: 'boom on attempt 2' }) as unknown,
    }),
  ]);
  healed = true;
  expect(await admin.retryDeadLetters(cluster.clusterId, [dead.id])).toBe(1);
  await waitFor(() => completed.length === 21, {
    description: 'the retried dead letter completing',
    timeoutMs: 15_000,
  });
  expect(await admin.listDeadLetters(cluster.clusterId)).toEqual([]);
});

it('lists, discards and reports dead letters and shows a running job with its progress', async () => {
  const cluster = await newCluster();
  const admin = new JobAdmin(pool, boss);
  const release = deferred();
  consumer(
    cluster,
    async (ctx) => {
      if (ctx.payload.poison) throw Object.assign(new Error('unsupported input'), { permanent: true });
      await ctx.heartbeat({ percent: 40, bytes: 4096 });
      await release.promise;
    },
    { concurrency: 2 },
  );
  const doomed = await producer.send(noopJob, cluster.clusterId, { n: 1, poison: true });
  const running = await producer.send(noopJob, cluster.clusterId, { n: 2 });
  await waitFor(async () => (await admin.listDeadLetters(cluster.clusterId)).length === 1, {
    description: 'the permanent failure in the dead letter queue',
  });
  const view = await waitFor(
    async () => {
      const job = await admin.getJob(cluster.clusterId, running!);
      return job?.progress ? job : undefined;
    },
    { description: 'progress of the running job' },
  );
  expect(view).toMatchObject({ state: 'active', job: noopJob.name, progress: { percent: 40, bytes: 4096 } });
  expect(view.attempts).toEqual([expect.objectContaining({ state: 'active', attempt: 0 })]);
  // Another cluster's id does not reach this cluster's jobs.
  expect(await admin.getJob(randomUUID(), running!)).toBeNull();

  const [letter] = await admin.listDeadLetters(cluster.clusterId);
  expect(letter).toMatchObject({
    sourceJobId: doomed,
    error: expect.objectContaining({ permanent: true }) as unknown,
  });
  expect(await admin.discardDeadLetters(cluster.clusterId, [letter!.id])).toBe(1);
  expect(await admin.discardDeadLetters(cluster.clusterId, [letter!.id])).toBe(0);
  expect(await admin.listDeadLetters(cluster.clusterId)).toEqual([]);
  release.resolve();
  await waitFor(async () => (await admin.getJob(cluster.clusterId, running!))?.state === 'completed', {
    description: 'the running job completing',
  });
});

it('obeys concurrency raised and lowered live', async () => {
  const cluster = await newCluster();
  let current = 0;
  let phase = 'low';
  const samples: Array<{ phase: string; current: number }> = [];
  const instance = consumer(
    cluster,
    async () => {
      current += 1;
      samples.push({ phase, current });
      await sleep(150);
      current -= 1;
      return null;
    },
    { concurrency: 2 },
  );
  await producer.sendBatch(
    noopJob,
    cluster.clusterId,
    Array.from({ length: 80 }, (_, i) => ({ n: i })),
  );
  await waitFor(() => samples.length >= 10, { description: '10 handlers run at concurrency 2' });
  phase = 'high';
  instance.setConcurrency(6);
  await waitFor(() => samples.some((s) => s.phase === 'high' && s.current === 6), {
    description: '6 concurrent handlers',
  });
  phase = 'draining';
  instance.setConcurrency(1);
  await waitFor(() => current <= 1, { description: 'the excess handlers finish' });
  phase = 'lowered';
  const before = samples.length;
  await waitFor(() => samples.length >= before + 5, { description: '5 handlers at concurrency 1' });
  expect(Math.max(...samples.filter((s) => s.phase === 'low').map((s) => s.current))).toBeLessThanOrEqual(2);
  expect(Math.max(...samples.filter((s) => s.phase === 'high').map((s) => s.current))).toBe(6);
  expect(Math.max(...samples.filter((s) => s.phase === 'lowered').map((s) => s.current))).toBe(1);
});

it('hands back held jobs at once on stop, without spending a retry', async () => {
  const cluster = await newCluster();
  const started = deferred();
  let attemptId = '';
  const instance = new Consumer({
    store,
    def: noopJob,
    worker: { clusterId: cluster.clusterId, workerId: randomUUID(), nodeId: randomUUID() },
    handler: (ctx) => {
      attemptId = ctx.attemptId;
      started.resolve();
      return untilAborted(ctx.signal);
    },
    visibilitySeconds: 60,
    concurrency: 1,
    pollIntervalMs: 200,
  });
  instance.start();
  const jobId = await producer.send(noopJob, cluster.clusterId, { n: 3 });
  if (!jobId) throw new Error('no job id');
  await started.promise;
  const before = await boss.getJobById(cluster.queue, jobId);

  const stopStarted = Date.now();
  await instance.stop({ graceMs: 300 });
  const stopMs = Date.now() - stopStarted;
  expect(stopMs).toBeLessThan(2_000);
  expect((await attemptsOf(jobId)).map((row) => row.state)).toEqual(['handed_back']);
  const after = await boss.getJobById(cluster.queue, jobId);
  expect(after?.state).toBe('retry');
  expect(after?.retryLimit).toBe((before?.retryLimit ?? 0) + 1);

  const pickedUp = deferred();
  const t0 = Date.now();
  consumer(cluster, () => {
    pickedUp.resolve();
    return Promise.resolve(null);
  });
  await pickedUp.promise;
  const pickupMs = Date.now() - t0;
  process.stderr.write(
    `[jobs] stop with grace 300 ms took ${stopMs} ms; handed-back job picked up after ${pickupMs} ms\n`,
  );
  // Far less than the 60 s visibility timeout: nothing waited for expiry.
  expect(pickupMs).toBeLessThan(5_000);
  expect(attemptId).not.toBe('');
  await waitFor(async () => (await jobState(cluster.queue, jobId)) === 'completed', {
    description: 'completed',
  });
});

it('fails an invalid payload permanently, with no retries and a message naming job and fields', async () => {
  const cluster = await newCluster();
  const handled: unknown[] = [];
  consumer(cluster, (ctx) => {
    handled.push(ctx.payload);
    return Promise.resolve(null);
  });
  await expect(
    producer.send(noopJob, cluster.clusterId, { n: 'x' } as unknown as { n: number }),
  ).rejects.toThrow(InvalidPayloadError);
  // A producer that skipped validation (or an older schema): the consumer validates too.
  const id = await boss.send(
    cluster.queue,
    { n: 'seven' },
    { retryLimit: 5, deadLetter: deadLetterQueueName(cluster.clusterId) },
  );
  if (!id) throw new Error('no job id');
  const dead = await waitFor(
    async () =>
      (await boss.findJobs(deadLetterQueueName(cluster.clusterId))).find((job) => job.sourceId === id),
    { description: 'the invalid job dead-lettered' },
  );
  expect(handled).toEqual([]);
  expect(await jobState(cluster.queue, id)).toBe('failed');
  expect(await attemptsOf(id)).toHaveLength(1);
  const output = dead.sourceOutput as { message: string; errorName: string; permanent: boolean };
  expect(output.errorName).toBe('InvalidPayloadError');
  expect(output.permanent).toBe(true);
  expect(output.message).toContain('"test.noop"');
  expect(output.message).toMatch(/\bn: /);
});

it('keeps two clusters on one database apart, reaper included', async () => {
  const x = await newCluster();
  const y = await newCluster();
  const seen = { x: [] as number[], y: [] as number[] };
  consumer(
    x,
    (ctx) => {
      seen.x.push(ctx.payload.n);
      return Promise.resolve(null);
    },
    { concurrency: 3 },
  );
  consumer(
    y,
    (ctx) => {
      seen.y.push(ctx.payload.n);
      return Promise.resolve(null);
    },
    { concurrency: 3 },
  );
  await producer.sendBatch(
    noopJob,
    x.clusterId,
    [1, 2, 3, 4, 5].map((n) => ({ n })),
  );
  await producer.sendBatch(
    noopJob,
    y.clusterId,
    [11, 12, 13].map((n) => ({ n })),
  );
  await waitFor(() => seen.x.length === 5 && seen.y.length === 3, { description: 'both clusters drained' });
  expect(seen.x.sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5]);
  expect(seen.y.sort((a, b) => a - b)).toEqual([11, 12, 13]);

  // An expired lease in Y is not X's leader's business.
  const [job] = await boss.fetch<{ n: number }>(y.queue, { batchSize: 1 });
  expect(job).toBeUndefined();
  const id = await producer.send(noopJob, y.clusterId, { n: 14 });
  const [claimed] = await store.fetch(queueName(y.clusterId, noopJob.name), 1);
  expect(claimed?.id).toBe(id);
  const [attempt] = await store.openAttempts(
    { clusterId: y.clusterId, workerId: randomUUID(), nodeId: randomUUID() },
    y.queue,
    [claimed!],
    0.2,
  );
  await sleep(1_200);
  const fromX = await reapExpiredLeases(pool, x.fence, x.clusterId, { boss, visibilitySeconds: 1 });
  expect(fromX.expired).toEqual([]);
  const fromY = await reapExpiredLeases(pool, y.fence, y.clusterId, { boss, visibilitySeconds: 1 });
  expect(fromY.expired.map((reaped) => reaped.attemptId)).toEqual([attempt!.attemptId]);
  await expect(reapExpiredLeases(pool, x.fence, y.clusterId, { boss, visibilitySeconds: 1 })).rejects.toThrow(
    /fence/,
  );
});

it('re-queues a claim that never heartbeated (its node died right after fetching) once the visibility timeout passed', async () => {
  const cluster = await newCluster();
  const id = await producer.send(noopJob, cluster.clusterId, { n: 5 });
  const [claimed] = await boss.fetch(cluster.queue, { batchSize: 1 });
  expect(claimed?.id).toBe(id);
  const early = await reapExpiredLeases(pool, cluster.fence, cluster.clusterId, {
    boss,
    visibilitySeconds: 1,
  });
  expect(early.expired).toEqual([]);
  await sleep(1_200);
  const late = await reapExpiredLeases(pool, cluster.fence, cluster.clusterId, {
    boss,
    visibilitySeconds: 1,
  });
  // The attempt is named the same in SQL as in the worker, though nothing of it was ever written.
  expect(late.expired).toEqual([
    expect.objectContaining({ jobId: id, attempt: 0, attemptId: attemptIdOf(id!, 0), workerId: null }),
  ]);
  expect(await jobState(cluster.queue, id!)).toBe('retry');
  expect(await attemptsOf(id!)).toEqual([{ attempt_id: attemptIdOf(id!, 0), state: 'expired', attempt: 0 }]);
  const done = deferred();
  consumer(cluster, () => Promise.resolve(null), { observer: { completed: () => done.resolve() } });
  await done.promise;
  expect((await attemptsOf(id!)).map((row) => [row.attempt, row.state])).toEqual([
    [0, 'expired'],
    [1, 'completed'],
  ]);
});

it('refuses to reap under a stale term', async () => {
  const cluster = await newCluster();
  await expect(
    reapExpiredLeases(pool, { ...cluster.fence, term: cluster.fence.term + 1 }, cluster.clusterId, {
      boss,
      visibilitySeconds: 1,
    }),
  ).rejects.toThrow(StaleTermError);
});

it('runs batches: one fence over the jobs still held, outputs per job, a reaped job refused then retried', async () => {
  const cluster = await newCluster();
  await producer.sendBatch(
    noopJob,
    cluster.clusterId,
    Array.from({ length: 20 }, (_, n) => ({ n })),
  );
  const fences: number[] = [];
  const lost: LostLeaseError[] = [];
  let reaped = false;
  const instance = new Consumer({
    store,
    def: noopJob,
    worker: { clusterId: cluster.clusterId, workerId: randomUUID(), nodeId: randomUUID() },
    visibilitySeconds: 30,
    concurrency: 2,
    pollIntervalMs: 200,
    observer: { lostLease: (_attempt, error) => lost.push(error) },
    batch: {
      maxJobs: 8,
      budget: 1_000,
      weigh: () => 1,
      handler: async (batch) => {
        const victim = batch.jobs.find((job) => job.payload.n === 3);
        if (victim && !reaped) {
          // Its lease runs out before the batch's fence, and the leader reaps it meanwhile.
          reaped = true;
          await pool.query(
            `UPDATE pgboss.job SET heartbeat_on = now() - interval '1 hour' WHERE name = $1 AND id = $2`,
            [cluster.queue, victim.jobId],
          );
          await reapExpiredLeases(pool, cluster.fence, cluster.clusterId, { boss, visibilitySeconds: 30 });
        }
        await batch.withAttemptsFence(batch.jobs, async (client, held) => {
          fences.push(held.length);
          for (const job of held)
            await client.query('INSERT INTO public.effects (attempt_id, who, n) VALUES ($1, $2, $3)', [
              job.attemptId,
              'batch',
              job.payload.n,
            ]);
        });
        // Every job "succeeds": the reaped one's completion must be refused by the store.
        return new Map(batch.jobs.map((job) => [job.jobId, { output: { n: job.payload.n } }]));
      },
    },
  });
  instance.start();
  cleanups.push(() => instance.stop({ graceMs: 0 }));

  await waitFor(
    async () =>
      (
        await pool.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pgboss.job WHERE name = $1 AND state = 'completed'`,
          [cluster.queue],
        )
      ).rows[0]!.n === 20,
    { timeoutMs: 20_000, description: 'all 20 jobs completed' },
  );
  const { rows: jobs } = await pool.query<{
    id: string;
    n: number;
    output: { n: number };
    retry_count: number;
  }>(`SELECT id, (data->>'n')::int AS n, output, retry_count FROM pgboss.job WHERE name = $1 ORDER BY 2`, [
    cluster.queue,
  ]);
  expect(jobs.map((job) => job.output)).toEqual(jobs.map((job) => ({ n: job.n })));
  const victim = jobs.find((job) => job.n === 3)!;
  expect(victim.retry_count).toBe(1);
  expect(lost.map((error) => [error.jobId, error.reason])).toEqual([[victim.id, 'reaped']]);
  // One effect per job, the victim's from its second attempt only.
  const { rows: effects } = await pool.query<{ attempt_id: string; n: number }>(
    `SELECT attempt_id, n FROM public.effects WHERE who = 'batch' ORDER BY n`,
  );
  expect(effects.map((effect) => effect.n)).toEqual(jobs.map((job) => job.n));
  expect(effects.find((effect) => effect.n === 3)!.attempt_id).toBe(attemptIdOf(victim.id, 1));
  // Batches grow 1, 2, 4, 8…: far fewer fences than jobs.
  expect(fences.length).toBeLessThan(10);
  expect(fences.reduce((a, b) => a + b, 0)).toBe(20);
});

it('sends inside the caller transaction: rolled back, no job; idempotency key dedupes', async () => {
  const cluster = await newCluster();
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const id = await producer.send(noopJob, cluster.clusterId, { n: 9 }, { db: client });
    expect(id).toEqual(expect.any(String));
    await client.query('ROLLBACK');
    expect(await boss.getJobById(cluster.queue, id!)).toBeNull();
    await client.query('BEGIN');
    const committed = await producer.send(
      noopJob,
      cluster.clusterId,
      { n: 9 },
      { db: client, idempotencyKey: 'k-9' },
    );
    await client.query('COMMIT');
    expect(await jobState(cluster.queue, committed!)).toBe('created');
  } finally {
    client.release();
  }
  const again = await producer.send(noopJob, cluster.clusterId, { n: 9 }, { idempotencyKey: 'k-9' });
  expect(again).toBeNull();
});
