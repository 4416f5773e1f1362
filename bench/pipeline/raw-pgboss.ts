// The reference of the pipeline benchmark (SPEC 4): raw pg-boss on the same services in the same
// run (bench/lib/raw-pgboss.ts, the yardstick bench/queue uses too), in a cluster of its own.
import { randomUUID } from 'node:crypto';

import { createBoss, createPool } from '@portico/db';
import { defineJob, queueName } from '@portico/jobs-contracts';
import { ensureQueues } from '@portico/jobs-runtime';
import { z } from 'zod';

import { rawPgBossDrain } from '../lib/raw-pgboss';

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
    return await rawPgBossDrain(boss, pool, queueName(clusterId, noop.name), count, () => bossError);
  } finally {
    await boss.stop({ graceful: false, close: true, timeout: 5_000 }).catch(() => undefined);
    await pool.end().catch(() => undefined);
  }
}
