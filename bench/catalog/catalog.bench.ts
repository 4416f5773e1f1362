// The catalog's ingest throughput: the leader's fenced transaction "ingest a batch of files
// (asset + ORIGINAL format + file each) + enqueue their checksum jobs", against raw pg-boss
// inserts of as many jobs in the same run, both through pgBouncer. Then the same batches again
// (a rescan finding every content version catalogued: nothing created, nothing enqueued).
// SPEC 4 sets no target of its own here; the small-file pipeline target builds on it.
import { randomUUID } from 'node:crypto';

import { CatalogRepository, type IngestInput } from '@portico/catalog';
import { type FenceContext, LeaseRepository, withFence } from '@portico/cluster';
import { createBoss, createPool, type PgBoss } from '@portico/db';
import { defineJob } from '@portico/jobs-contracts';
import { ensureQueues, JobProducer } from '@portico/jobs-runtime';
import type { Pool } from 'pg';
import { z } from 'zod';

import type { BenchContext, Benchmark } from '../lib/benchmark';
import { round } from '../lib/output';
import { startServices } from '../lib/services';

const FILES = { full: 20_000, quick: 4_000 };
/** Files per fenced transaction (one scan batch). */
const BATCH = 500;

// Bench-only job type, shaped like the product's checksum job.
const checksumJob = defineJob({
  name: 'bench.catalog-checksum',
  role: 'CHECKSUM',
  payload: z.object({ fileId: z.uuid(), assetId: z.uuid(), path: z.string(), size: z.number().int() }),
  retry: { limit: 2, delaySeconds: 1, backoff: true },
  deadLetter: true,
});

interface Leader {
  readonly clusterId: string;
  readonly storageId: string;
  readonly fence: FenceContext;
}

async function newLeader(pool: Pool, boss: PgBoss): Promise<Leader> {
  const clusterId = randomUUID();
  const storageId = randomUUID();
  await pool.query('INSERT INTO portico.clusters (id, name) VALUES ($1, $2)', [
    clusterId,
    `bench-${clusterId}`,
  ]);
  await pool.query('INSERT INTO portico.storages (id, cluster_id, name) VALUES ($1, $2, $3)', [
    storageId,
    clusterId,
    'nas',
  ]);
  await ensureQueues(boss, clusterId, [checksumJob]);
  const [nodeId, workerId] = [randomUUID(), randomUUID()];
  const grant = await new LeaseRepository(pool, { requestTimeoutMs: 5_000 }).acquire(
    clusterId,
    nodeId,
    workerId,
    600_000,
  );
  if (!grant.granted) throw new Error('the benchmark leader did not get its lease');
  return { clusterId, storageId, fence: { clusterId, term: grant.term, nodeId, workerId, action: 'ingest' } };
}

function files(count: number): IngestInput[] {
  const mtime = new Date('2025-06-01T00:00:00.000Z');
  return Array.from({ length: count }, (_, n) => ({
    path: `shoot/day-${Math.floor(n / 1000)}/clip-${n}.mov`,
    size: 4096,
    mtime,
    inode: 1_000_000 + n,
  }));
}

/** Ingests every file in fenced batches, enqueueing checksum jobs for the new ones; files/s and how many were new. */
async function ingestRate(
  pool: Pool,
  producer: JobProducer,
  leader: Leader,
  inputs: readonly IngestInput[],
): Promise<{ rate: number; created: number }> {
  const catalog = new CatalogRepository();
  let created = 0;
  const started = performance.now();
  for (let start = 0; start < inputs.length; start += BATCH) {
    const batch = inputs.slice(start, start + BATCH);
    created += await withFence(
      pool,
      leader.fence,
      async (client) => {
        const results = (await catalog.ingestMany(client, leader.clusterId, leader.storageId, batch)).filter(
          (r) => r.created,
        );
        await producer.sendBatch(
          checksumJob,
          leader.clusterId,
          results.map((r) => ({ fileId: r.fileId, assetId: r.assetId, path: r.path, size: 4096 })),
          { db: client },
        );
        return results.length;
      },
      { statementTimeoutMs: 10_000, queryTimeoutMs: 10_000, idleInTransactionTimeoutMs: 10_000 },
    );
  }
  return { rate: inputs.length / ((performance.now() - started) / 1000), created };
}

/** The reference: raw pg-boss batched inserts of as many jobs, BATCH per insert. */
async function rawInsertRate(boss: PgBoss, pool: Pool, count: number): Promise<number> {
  const { clusterId } = await newLeader(pool, boss);
  const producer = new JobProducer(boss);
  const started = performance.now();
  for (let start = 0; start < count; start += BATCH) {
    const size = Math.min(BATCH, count - start);
    await producer.sendBatch(
      checksumJob,
      clusterId,
      Array.from({ length: size }, (_, i) => ({
        fileId: randomUUID(),
        assetId: randomUUID(),
        path: `raw/${start + i}`,
        size: 4096,
      })),
    );
  }
  return count / ((performance.now() - started) / 1000);
}

export const catalog: Benchmark = {
  async run({ quick, emit, log, lifecycle }: BenchContext): Promise<void> {
    const services = await startServices('catalog', lifecycle, log);
    const pool = createPool(services.url, { max: 4 });
    lifecycle.defer('pool', () => pool.end());
    const boss = createBoss(services.url, {
      supervise: false,
      schedule: false,
      max: 4,
      application_name: 'bench-catalog',
    });
    boss.on('error', (error: unknown) => log(`pg-boss: ${String(error)}`));
    await boss.start();
    lifecycle.defer('pg-boss', () => boss.stop({ graceful: false, timeout: 5_000 }));
    const producer = new JobProducer(boss);
    const count = quick ? FILES.quick : FILES.full;
    const inputs = files(count);

    // Interleaved, twice each, best of two: both sides see the same machine noise.
    const raw: number[] = [];
    const ingest: number[] = [];
    const rescan: number[] = [];
    for (let round_ = 0; round_ < 2; round_++) {
      raw.push(await rawInsertRate(boss, pool, count));
      log(`raw pg-boss insert: ${Math.round(raw.at(-1)!)} jobs/s`);
      const leader = await newLeader(pool, boss);
      const first = await ingestRate(pool, producer, leader, inputs);
      if (first.created !== count)
        throw new Error(`ingest created ${first.created} files, expected ${count}`);
      ingest.push(first.rate);
      log(`ingest + enqueue: ${Math.round(first.rate)} files/s`);
      const again = await ingestRate(pool, producer, leader, inputs);
      if (again.created !== 0) throw new Error(`re-ingest created ${again.created} files, expected none`);
      rescan.push(again.rate);
      log(`re-ingest (all catalogued): ${Math.round(again.rate)} files/s`);
    }
    const rawBest = Math.max(...raw);
    const ingestBest = Math.max(...ingest);
    emit({ metric: 'files', value: count, unit: 'count' });
    emit({ metric: 'raw_pgboss_insert_rate', value: round(rawBest, 0), unit: 'jobs/s' });
    emit({ metric: 'ingest_enqueue_rate', value: round(ingestBest, 0), unit: 'files/s' });
    emit({ metric: 'ingest_vs_raw_insert', value: round(ingestBest / rawBest, 3), unit: 'ratio' });
    emit({ metric: 'reingest_rate', value: round(Math.max(...rescan), 0), unit: 'files/s' });
  },
};
