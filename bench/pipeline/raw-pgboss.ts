// The reference of the pipeline benchmark (SPEC 4): raw pg-boss on the same services in the same
// run. No-op jobs enqueued with batched insert() and drained by work() with batchSize 50, through
// pgBouncer, with the options of bench/queue's raw side so both benchmarks share one yardstick.
import { randomUUID } from 'node:crypto';

import { createBoss, createPool } from '@portico/db';
import { defineJob, queueName } from '@portico/jobs-contracts';
import { ensureQueues } from '@portico/jobs-runtime';
import { z } from 'zod';

const INSERT_CHUNK = 1_000;
const FETCH_BATCH = 50;
const DRAIN_TIMEOUT_MS = 300_000;

// Bench-only job type; not part of the product's catalogue.
const noop = defineJob({
  name: 'bench.pipeline-noop',
  role: 'CHECKSUM',
  payload: z.object({ n: z.number().int() }),
  retry: { limit: 2, delaySeconds: 1, backoff: true },
  deadLetter: true,
});

/**
 * Enqueues `count` no-op jobs in a cluster of its own, then times their drain by one work()
 * subscription; returns jobs per second of the drain. Its own pool and pg-boss instance, closed
 * before it returns, so nothing of it runs during the pipeline.
 */
export async function rawPgBossRate(databaseUrl: string, count: number): Promise<number> {
  const pool = createPool(databaseUrl, { max: 4 });
  const boss = createBoss(databaseUrl, {
    supervise: false,
    schedule: false,
    max: 20,
    application_name: 'bench-pipeline-raw',
  });
  let bossError: string | undefined;
  boss.on('error', (error: unknown) => {
    bossError ??= error instanceof Error ? error.message : JSON.stringify(error);
  });
  try {
    await boss.start();
    const clusterId = randomUUID();
    await pool.query('INSERT INTO portico.clusters (id, name) VALUES ($1, $2)', [
      clusterId,
      `bench-pipeline-raw-${clusterId}`,
    ]);
    await ensureQueues(boss, clusterId, [noop]);
    const queue = queueName(clusterId, noop.name);
    for (let start = 0; start < count; start += INSERT_CHUNK) {
      const size = Math.min(INSERT_CHUNK, count - start);
      await boss.insert(
        queue,
        Array.from({ length: size }, (_, i) => ({ data: { n: start + i } })),
      );
    }
    await pool.query('ANALYZE pgboss.job');

    let done = 0;
    let drained!: () => void;
    const finished = new Promise<void>((resolve) => (drained = resolve));
    const started = performance.now();
    const workerId = await boss.work(
      queue,
      { batchSize: FETCH_BATCH, pollingIntervalSeconds: 0.5, localConcurrency: 2, burstWhenBatchFull: true },
      (jobs) => {
        done += jobs.length;
        if (done >= count) drained();
        return Promise.resolve();
      },
    );
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      finished,
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(
              new Error(
                `raw pg-boss drained ${done} of ${count} jobs in ${DRAIN_TIMEOUT_MS / 1000} s` +
                  (bossError ? `; pg-boss reported: ${bossError}` : ''),
              ),
            ),
          DRAIN_TIMEOUT_MS,
        );
      }),
    ]).finally(() => clearTimeout(timer));
    const seconds = (performance.now() - started) / 1000;
    await boss.offWork(queue, { id: workerId });
    return count / seconds;
  } finally {
    await boss.stop({ graceful: false, close: true, timeout: 5_000 }).catch(() => undefined);
    await pool.end().catch(() => undefined);
  }
}
