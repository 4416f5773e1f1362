// Issue 4's queue benchmark: N no-op jobs through Portico's job runtime (leases, attempt fencing)
// vs raw pg-boss in the same run, both through pgBouncer, both enqueued with batched inserts and
// drained with the same fetch batch size; then send -> handler-start latency with Redis wake-ups
// and with polling only.
import { randomUUID } from 'node:crypto';

import { createBoss, createPool, type PgBoss } from '@portico/db';
import { defineJob, queueName } from '@portico/jobs-contracts';
import { ensureQueues, JobConsumer, JobProducer, PgLeaseStore, RedisWakeups } from '@portico/jobs-runtime';
import { harnessUrls } from '@portico/testing';
import type { Pool } from 'pg';
import { z } from 'zod';

import type { BenchContext, Benchmark } from '../lib/benchmark';
import { round } from '../lib/output';
import { startServices } from '../lib/services';
import { percentile } from '../lib/stats';
import { RAW_FETCH_BATCH, RAW_INSERT_CHUNK, rawPgBossDrain } from '../lib/raw-pgboss';

const JOBS = { full: 20_000, quick: 4_000 };
const LATENCY_SAMPLES = { full: 100, quick: 30 };
const POLLING_SAMPLES = { full: 20, quick: 8 };
// The runtime side uses the raw side's batch sizes: the same enqueue path and fetch size.
const BATCH = RAW_FETCH_BATCH;
const INSERT_CHUNK = RAW_INSERT_CHUNK;
const CONCURRENCY = 100;

// Bench-only job type; not part of the product's catalogue.
const noop = defineJob({
  name: 'bench.noop',
  role: 'CHECKSUM',
  payload: z.object({ n: z.number().int(), sentAt: z.number().optional() }),
  retry: { limit: 2, delaySeconds: 1, backoff: true },
  deadLetter: true,
});

async function newCluster(pool: Pool, boss: PgBoss): Promise<{ clusterId: string; queue: string }> {
  const clusterId = randomUUID();
  await pool.query('INSERT INTO portico.clusters (id, name) VALUES ($1, $2)', [
    clusterId,
    `bench-${clusterId}`,
  ]);
  await ensureQueues(boss, clusterId, [noop]);
  return { clusterId, queue: queueName(clusterId, noop.name) };
}

async function until(predicate: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

async function rawRate(boss: PgBoss, pool: Pool, count: number): Promise<number> {
  const { queue } = await newCluster(pool, boss);
  return rawPgBossDrain(boss, pool, queue, count);
}

async function runtimeRate(boss: PgBoss, pool: Pool, store: PgLeaseStore, count: number): Promise<number> {
  const { clusterId, queue } = await newCluster(pool, boss);
  const producer = new JobProducer(boss);
  for (let start = 0; start < count; start += INSERT_CHUNK) {
    const size = Math.min(INSERT_CHUNK, count - start);
    await producer.sendBatch(
      noop,
      clusterId,
      Array.from({ length: size }, (_, i) => ({ n: start + i })),
    );
  }
  await pool.query('ANALYZE pgboss.job');
  let done = 0;
  const consumers = [0, 1].map(
    () =>
      new JobConsumer({
        store,
        def: noop,
        worker: { clusterId, nodeId: randomUUID(), workerId: randomUUID() },
        handler: () => {
          done += 1;
          return Promise.resolve();
        },
        visibilitySeconds: 60,
        concurrency: CONCURRENCY,
        batchSize: BATCH,
        pollIntervalMs: 500,
      }),
  );
  const started = performance.now();
  for (const consumer of consumers) consumer.start();
  await until(() => done >= count, 300_000, 'runtime drain');
  const seconds = (performance.now() - started) / 1000;
  await Promise.all(consumers.map((consumer) => consumer.stop({ graceMs: 5_000 })));
  // Every job completed exactly once, by pg-boss's own account.
  const { rows } = await pool.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM pgboss.job WHERE name = $1 AND state = 'completed'",
    [queue],
  );
  if (rows[0]!.n !== count) throw new Error(`runtime completed ${rows[0]!.n} jobs, expected ${count}`);
  return count / seconds;
}

/** Send one job at a time to an idle consumer; how long until its handler starts. */
async function wakeupLatencies(
  boss: PgBoss,
  pool: Pool,
  store: PgLeaseStore,
  samples: number,
  redisUrl: string | undefined,
): Promise<number[]> {
  const { clusterId } = await newCluster(pool, boss);
  const wakeups = redisUrl ? new RedisWakeups(redisUrl) : undefined;
  const producer = new JobProducer(boss, wakeups);
  const latencies: number[] = [];
  let resolveStarted: ((at: number) => void) | undefined;
  const consumer = new JobConsumer({
    store,
    def: noop,
    worker: { clusterId, nodeId: randomUUID(), workerId: randomUUID() },
    handler: () => {
      resolveStarted?.(performance.now());
      return Promise.resolve();
    },
    visibilitySeconds: 60,
    concurrency: 4,
    batchSize: BATCH,
    // pollIntervalMs left at the product's default idle poll.
    wakeups,
  });
  consumer.start();
  try {
    // Let the consumer go idle (its first fetch finds nothing) before the first sample.
    await new Promise((resolve) => setTimeout(resolve, 300));
    for (let i = 0; i < samples; i++) {
      const started = new Promise<number>((resolve) => (resolveStarted = resolve));
      const sentAt = performance.now();
      await producer.send(noop, clusterId, { n: i });
      latencies.push((await started) - sentAt);
      // A random pause so samples land at random points of the polling cycle.
      await new Promise((resolve) => setTimeout(resolve, 20 + Math.random() * 200));
    }
  } finally {
    await consumer.stop({ graceMs: 2_000 });
    await wakeups?.close();
  }
  return latencies;
}

export const queue: Benchmark = {
  async run({ quick, emit, log, lifecycle }: BenchContext): Promise<void> {
    const services = await startServices('queue', lifecycle, log);
    const pool = createPool(services.url, { max: 20 });
    lifecycle.defer('pool', () => pool.end());
    const boss = createBoss(services.url, {
      supervise: false,
      schedule: false,
      max: 20,
      application_name: 'bench-queue',
    });
    boss.on('error', (error: unknown) => log(`pg-boss: ${String(error)}`));
    await boss.start();
    lifecycle.defer('pg-boss', () => boss.stop({ graceful: false, timeout: 5_000 }));
    const store = new PgLeaseStore(pool, boss);
    const count = quick ? JOBS.quick : JOBS.full;

    // Interleaved, twice each, best of two: both sides see the same machine noise.
    const raw: number[] = [];
    const runtime: number[] = [];
    for (let round_ = 0; round_ < 2; round_++) {
      raw.push(await rawRate(boss, pool, count));
      log(`raw pg-boss: ${Math.round(raw.at(-1)!)} jobs/s`);
      runtime.push(await runtimeRate(boss, pool, store, count));
      log(`runtime: ${Math.round(runtime.at(-1)!)} jobs/s`);
    }
    const rawBest = Math.max(...raw);
    const runtimeBest = Math.max(...runtime);
    emit({ metric: 'jobs', value: count, unit: 'count' });
    emit({ metric: 'raw_jobs_per_s', value: round(rawBest, 0), unit: 'jobs/s' });
    emit({ metric: 'runtime_jobs_per_s', value: round(runtimeBest, 0), unit: 'jobs/s' });
    emit({
      metric: 'runtime_vs_raw_ratio',
      value: round(runtimeBest / rawBest, 3),
      unit: 'ratio',
      target: { op: '>=', value: 0.8 },
    });

    const redis = await wakeupLatencies(
      boss,
      pool,
      store,
      quick ? LATENCY_SAMPLES.quick : LATENCY_SAMPLES.full,
      harnessUrls.redisUrl(services.state),
    );
    emit({
      metric: 'wakeup_redis_p50_ms',
      value: round(percentile(redis, 50), 1),
      unit: 'ms',
      target: { op: '<=', value: 50 },
    });
    emit({ metric: 'wakeup_redis_p99_ms', value: round(percentile(redis, 99), 1), unit: 'ms' });
    const polling = await wakeupLatencies(
      boss,
      pool,
      store,
      quick ? POLLING_SAMPLES.quick : POLLING_SAMPLES.full,
      undefined,
    );
    emit({ metric: 'wakeup_polling_p50_ms', value: round(percentile(polling, 50), 1), unit: 'ms' });
  },
};
