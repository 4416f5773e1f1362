// The yardstick of the job benchmarks (bench/queue, bench/pipeline): bare pg-boss on the same
// services in the same run. `count` no-op jobs enqueued with insert() in batches of 1,000, fresh
// planner statistics, then drained by one work() subscription with batchSize 50.
import type { PgBoss } from 'pg-boss';
import type { Pool } from 'pg';

export const RAW_INSERT_CHUNK = 1_000;
export const RAW_FETCH_BATCH = 50;
const DRAIN_TIMEOUT_MS = 300_000;

/** Jobs per second of the drain of `count` no-op jobs of `queue` (which must exist and be empty). */
export async function rawPgBossDrain(
  boss: PgBoss,
  pool: Pool,
  queue: string,
  count: number,
  describeError: () => string | undefined = () => undefined,
): Promise<number> {
  for (let start = 0; start < count; start += RAW_INSERT_CHUNK) {
    const size = Math.min(RAW_INSERT_CHUNK, count - start);
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
    {
      batchSize: RAW_FETCH_BATCH,
      pollingIntervalSeconds: 0.5,
      localConcurrency: 2,
      burstWhenBatchFull: true,
    },
    (jobs) => {
      done += jobs.length;
      if (done >= count) drained();
      return Promise.resolve();
    },
  );
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      finished,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          const error = describeError();
          reject(
            new Error(
              `raw pg-boss drained ${done} of ${count} jobs in ${DRAIN_TIMEOUT_MS / 1000} s` +
                (error ? `; pg-boss reported: ${error}` : ''),
            ),
          );
        }, DRAIN_TIMEOUT_MS);
      }),
    ]);
  } finally {
    clearTimeout(timer);
    await boss.offWork(queue, { id: workerId });
  }
  return count / ((performance.now() - started) / 1000);
}
