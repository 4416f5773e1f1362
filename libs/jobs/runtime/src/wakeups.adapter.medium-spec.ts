// Redis wake-ups against real Redis and PostgreSQL through pgBouncer: a woken consumer starts a job
// well within its polling interval. The figures are logged, not asserted beyond "faster than a poll".
import { randomUUID } from 'node:crypto';

import { createBoss, createPool, type PgBoss } from '@portico/db';
import { defineJob } from '@portico/jobs-contracts';
import { faults, harness, useTestDatabase, waitFor } from '@portico/testing';
import { type Pool } from 'pg';
import { z } from 'zod';

import { JobConsumer } from './job-consumer';
import { ensureQueues, JobProducer } from './job-producer.adapter';
import { PgLeaseStore } from './lease.repository';
import { RedisWakeups } from './wakeups.adapter';

const pingJob = defineJob({
  name: 'test.ping',
  role: 'MAIN',
  payload: z.object({ sentAt: z.number() }),
  retry: { limit: 0, delaySeconds: 0, backoff: false },
  deadLetter: false,
});

const POLL_MS = 3_000;
const db = useTestDatabase();
let pool: Pool;
let boss: PgBoss;
let wakeups: RedisWakeups;

beforeAll(async () => {
  pool = createPool(db.url, { max: 6 });
  boss = createBoss(db.url, { supervise: false, schedule: false, max: 6 });
  boss.on('error', () => undefined);
  await boss.start();
  wakeups = new RedisWakeups(harness().redisUrl);
});

afterAll(async () => {
  await wakeups.close();
  await boss.stop({ graceful: false, timeout: 5_000 });
  await pool.end();
});

async function latencies(withWakeups: boolean): Promise<number[]> {
  const clusterId = randomUUID();
  await pool.query('INSERT INTO portico.clusters (id, name) VALUES ($1, $2)', [
    clusterId,
    `wake-${clusterId}`,
  ]);
  await ensureQueues(boss, clusterId, [pingJob]);
  const seen: number[] = [];
  const consumer = new JobConsumer({
    store: new PgLeaseStore(pool, boss),
    def: pingJob,
    worker: { clusterId, workerId: randomUUID(), nodeId: randomUUID() },
    visibilitySeconds: 30,
    concurrency: 1,
    pollIntervalMs: POLL_MS,
    ...(withWakeups ? { wakeups } : {}),
    handler: (ctx) => {
      seen.push(Date.now() - ctx.payload.sentAt);
      return Promise.resolve(null);
    },
  });
  consumer.start();
  const producer = new JobProducer(boss, withWakeups ? wakeups : undefined);
  try {
    // Let the consumer go idle (its first fetch finds nothing) and the subscription settle.
    await new Promise((resolve) => setTimeout(resolve, 300));
    for (let i = 0; i < 4; i += 1) {
      await producer.send(pingJob, clusterId, { sentAt: Date.now() });
      await waitFor(() => seen.length === i + 1, {
        description: `ping ${i} handled`,
        timeoutMs: POLL_MS * 3,
      });
      // Offset the next send inside the poll cycle so polling latency is not always near zero.
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  } finally {
    await consumer.stop({ graceMs: 1_000 });
  }
  return seen;
}

it('wakes an idle consumer through Redis much faster than it polls', async () => {
  const woken = await latencies(true);
  const polled = await latencies(false);
  const median = (values: number[]): number =>
    [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  process.stderr.write(
    `[jobs] send -> handler start: with Redis wake-ups ${woken.join(', ')} ms (median ${median(woken)}); ` +
      `polling every ${POLL_MS} ms ${polled.join(', ')} ms (median ${median(polled)})\n`,
  );
  expect(Math.max(...woken)).toBeLessThan(POLL_MS / 2);
});

it('keeps draining by polling while Redis is stopped, without an error storm, and wakes again after', async () => {
  const clusterId = randomUUID();
  await pool.query('INSERT INTO portico.clusters (id, name) VALUES ($1, $2)', [
    clusterId,
    `wake-${clusterId}`,
  ]);
  await ensureQueues(boss, clusterId, [pingJob]);
  const errors: string[] = [];
  const logger = {
    info: () => undefined,
    warn: (_fields: object, message: string) => errors.push(message),
    error: (_fields: object, message: string) => errors.push(message),
  };
  const own = new RedisWakeups(harness().redisUrl, logger);
  const handled: number[] = [];
  const consumer = new JobConsumer({
    store: new PgLeaseStore(pool, boss),
    def: pingJob,
    worker: { clusterId, workerId: randomUUID(), nodeId: randomUUID() },
    visibilitySeconds: 30,
    concurrency: 4,
    pollIntervalMs: 500,
    wakeups: own,
    logger,
    handler: (ctx) => {
      handled.push(ctx.payload.sentAt);
      return Promise.resolve(null);
    },
  });
  consumer.start();
  const producer = new JobProducer(boss, own);
  try {
    await faults.redis.stop();
    try {
      for (let i = 0; i < 20; i += 1) await producer.send(pingJob, clusterId, { sentAt: i });
      await waitFor(() => handled.length === 20, {
        description: '20 jobs drained by polling',
        timeoutMs: 15_000,
      });
      // One line per outage and connection, not one per poll or publish.
      expect(errors.length).toBeLessThanOrEqual(4);
    } finally {
      await faults.redis.start();
    }
    await waitFor(
      async () => {
        const before = handled.length;
        const sentAt = Date.now();
        await producer.send(pingJob, clusterId, { sentAt });
        await waitFor(() => handled.length > before, { description: 'a ping after Redis is back' });
        return handled.at(-1)! === sentAt;
      },
      { description: 'wake-ups working again after Redis is back', timeoutMs: 15_000 },
    );
  } finally {
    await consumer.stop({ graceMs: 1_000 });
    await own.close();
  }
});
