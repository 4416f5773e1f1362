// The scanner with the production sink (catalogue rows + checksum jobs) under a real leader: a
// LeaderElector with the default timing renews its lease while the scan runs, and every batch is a
// fenced transaction holding the lease row's share lock, so a batch that takes too long costs the
// leader its term. Real walker, real PostgreSQL behind pgBouncer (transaction mode), real pg-boss.
import { randomUUID } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createLeaderElector, type DemotionReason, type ElectionRuntime } from '@portico/cluster';
import { createBoss, createPool, type PgBoss } from '@portico/db';
import { CHECKSUM_JOB_MAX_FILES, checksumFileJob, queueName } from '@portico/jobs-contracts';
import { ensureQueues, JobProducer } from '@portico/jobs-runtime';
import { FileStorageSentinel, ThreadStorageWalker } from '@portico/storage';
import { useTestDatabase, waitFor } from '@portico/testing';
import type { Pool, PoolClient } from 'pg';

import type { ScanChange } from '../scan/scan-sink';
import { type RunScanOptions, Scanner } from '../scan/scanner';
import { CatalogScanSink } from './catalog-scan-sink';

const db = useTestDatabase();
let pool: Pool;
let boss: PgBoss;
let producer: JobProducer;
const cleanups: Array<() => Promise<void> | void> = [];

const quiet = { info: () => {}, warn: () => {}, error: () => {}, debug: () => {} };
const SETTINGS: RunScanOptions = {
  concurrency: 2,
  ignorePatterns: ['.DS_Store', '._*', 'Thumbs.db', '*.tmp', '.portico'],
  growingThresholdSeconds: 0,
  maxDeletionsPerScan: 1000,
};

beforeAll(async () => {
  pool = createPool(db.url, { max: 8 });
  boss = createBoss(db.url, {
    supervise: false,
    schedule: false,
    max: 4,
    application_name: 'scan-sink-spec',
  });
  boss.on('error', () => undefined);
  await boss.start();
  producer = new JobProducer(boss);
});

afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  await boss.stop({ graceful: false, timeout: 5_000 });
  await pool.end();
});

interface Fixture {
  clusterId: string;
  storageId: string;
  root: string;
  paths: string[];
}

/** A cluster with its storage and queues, and a tree: one folder of `bigFolder` files, the rest in folders of `perFolder`. */
async function fixture(files: number, bigFolder: number, perFolder = 100): Promise<Fixture> {
  const clusterId = randomUUID();
  const storageId = randomUUID();
  await pool.query('INSERT INTO portico.clusters (id, name) VALUES ($1, $2)', [clusterId, `c-${clusterId}`]);
  await pool.query('INSERT INTO portico.storages (id, cluster_id, name) VALUES ($1, $2, $3)', [
    storageId,
    clusterId,
    'nas',
  ]);
  await ensureQueues(boss, clusterId, [checksumFileJob]);
  const root = mkdtempSync(path.join(tmpdir(), 'portico-scan-sink-'));
  chmodSync(root, 0o755);
  cleanups.push(() => rmSync(root, { recursive: true, force: true }));
  const paths: string[] = [];
  for (let n = 0; n < files; n++) {
    paths.push(n < bigFolder ? `big/f${n}.mov` : `d${Math.floor((n - bigFolder) / perFolder)}/f${n}.mov`);
  }
  for (const dir of new Set(paths.map((rel) => path.dirname(rel)))) mkdirSync(path.join(root, dir));
  for (const rel of paths) writeFileSync(path.join(root, rel), rel);
  return { clusterId, storageId, root, paths };
}

async function newNode(clusterId: string): Promise<string> {
  const id = randomUUID();
  await pool.query(
    `INSERT INTO portico.nodes (id, cluster_id, name, roles, status) VALUES ($1, $2, $3, '{MAIN}', 'Active')`,
    [id, clusterId, `main-${id.slice(0, 8)}`],
  );
  return id;
}

interface Leader {
  runtime: ElectionRuntime;
  /** Stops electing and releases the lease (once; the file's cleanup calls it too). */
  close: () => Promise<void>;
  term: number;
  demotions: Array<{ reason: DemotionReason; term: number }>;
}

/** A real elector (default timing) for a new node, elected before it is returned. */
async function elect(clusterId: string): Promise<Leader> {
  const runtime = createLeaderElector({
    databaseUrl: db.url,
    clusterId,
    nodeId: await newNode(clusterId),
    workerId: randomUUID(),
    logger: quiet,
    eligible: true,
  });
  let closed: Promise<void> | undefined;
  const close = () => (closed ??= runtime.close());
  cleanups.push(close);
  const terms: number[] = [];
  const demotions: Leader['demotions'] = [];
  runtime.elector.onElected((term) => void terms.push(term));
  runtime.elector.onDemoted((reason, term) => void demotions.push({ reason, term }));
  runtime.elector.start();
  const term = await waitFor(() => terms[0], {
    description: 'the elector to win the lease',
    timeoutMs: 15_000,
  });
  return { runtime, close, term, demotions };
}

/** The production sink, noting how many changes each transaction carried. */
class CountingSink extends CatalogScanSink {
  readonly applied: number[] = [];

  override async apply(client: PoolClient, changes: readonly ScanChange[]): Promise<void> {
    await super.apply(client, changes);
    this.applied.push(changes.length);
  }
}

function scanner(f: Fixture, sink = new CountingSink(sinkOptions(f))): Scanner {
  return new Scanner({
    pool,
    walker: new ThreadStorageWalker(),
    sentinel: new FileStorageSentinel(),
    sink,
    root: f.root,
  });
}

function sinkOptions(f: Fixture) {
  return { clusterId: f.clusterId, storageId: f.storageId, producer, algorithms: () => ['md5' as const] };
}

/**
 * Every path of the tree is one live catalogue file with its own asset, in exactly one checksum
 * job; the small files of the tree travel 100 to a job at most.
 */
async function expectIngestedOnce(f: Fixture): Promise<void> {
  const { rows: files } = await pool.query<{ id: string; path: string; asset_id: string }>(
    'SELECT id::text, path, asset_id::text FROM portico.files WHERE cluster_id = $1 AND NOT removed',
    [f.clusterId],
  );
  expect(files.length).toBe(f.paths.length);
  expect(new Set(files.map((file) => file.path))).toEqual(new Set(f.paths));
  expect(new Set(files.map((file) => file.asset_id)).size).toBe(f.paths.length);
  const { rows: jobs } = await pool.query<{ file_ids: string[] }>(
    `SELECT array(SELECT t->>'fileId' FROM jsonb_array_elements(data->'files') AS t) AS file_ids
       FROM pgboss.job WHERE name = $1`,
    [queueName(f.clusterId, checksumFileJob.name)],
  );
  const inJobs = jobs.flatMap((job) => job.file_ids);
  expect(inJobs.length).toBe(f.paths.length);
  expect(new Set(inJobs)).toEqual(new Set(files.map((file) => file.id)));
  expect(Math.max(...jobs.map((job) => job.file_ids.length))).toBeLessThanOrEqual(CHECKSUM_JOB_MAX_FILES);
  // Grouped: far fewer jobs than files (each scan batch packs its files).
  expect(jobs.length).toBeLessThan(f.paths.length / 10);
}

it('a first scan of 24,000 files (one folder of 10,000) ingests each once, and the leader keeps its term throughout', async () => {
  const f = await fixture(24_000, 10_000);
  const leader = await elect(f.clusterId);
  const result = await scanner(f).runScan(leader.runtime.elector.fenceContext('scan')!, SETTINGS);
  expect(result).toMatchObject({ state: 'completed', resumed: false });
  expect(result.totals).toMatchObject({ filesListed: 24_000, filesNew: 24_000, filesReady: 24_000 });
  // The lease was renewed through every batch: no demotion, and the term is still current.
  expect(leader.demotions).toEqual([]);
  expect(leader.runtime.elector.fenceContext('check')?.term).toBe(leader.term);
  await expectIngestedOnce(f);
});

it('a scan interrupted after its first batch is resumed by the next leader; each file is ingested once', async () => {
  const f = await fixture(12_000, 0);
  const first = await elect(f.clusterId);
  const stop = new AbortController();
  const interrupted = await scanner(f).runScan(first.runtime.elector.fenceContext('scan')!, {
    ...SETTINGS,
    signal: stop.signal,
    onBatch: () => stop.abort(),
  });
  expect(interrupted.state).toBe('interrupted');
  const committed = interrupted.totals.filesListed;
  expect(committed).toBeGreaterThan(0);
  expect(committed).toBeLessThan(12_000);

  await first.close(); // releases the lease: the next elector takes the next term
  const second = await elect(f.clusterId);
  expect(second.term).toBe(first.term + 1);
  const resumed = await scanner(f).runScan(second.runtime.elector.fenceContext('scan')!, SETTINGS);
  expect(resumed).toMatchObject({ state: 'completed', resumed: true, runId: interrupted.runId });
  expect(resumed.totals).toMatchObject({ filesListed: 12_000, filesNew: 12_000, filesReady: 12_000 });
  expect(second.demotions).toEqual([]);
  await expectIngestedOnce(f);
});

it('a batch with more ready files than one transaction may carry is split; each file is ingested once', async () => {
  const f = await fixture(2100, 0, 300);
  const leader = await elect(f.clusterId);
  const fence = leader.runtime.elector.fenceContext('scan')!;
  // First scan: every file settling (an index row each, nothing for the sink).
  const settling = await scanner(f).runScan(fence, { ...SETTINGS, growingThresholdSeconds: 3600 });
  expect(settling.totals).toMatchObject({ filesNew: 2100, filesReady: 0 });
  // With no threshold all 2,100 are ready at once. The first batch takes at least 500 entries, so
  // at least two folders of 300 ready files: more ingests than the 500 one transaction may carry
  // before any was timed. It is committed in parts, a folder or so each.
  const sink = new CountingSink(sinkOptions(f));
  const ready = await scanner(f, sink).runScan(fence, SETTINGS);
  expect(ready).toMatchObject({ state: 'completed' });
  expect(ready.totals).toMatchObject({ filesListed: 2100, filesReady: 2100 });
  expect(sink.applied[0]).toBeLessThanOrEqual(500);
  expect(sink.applied.reduce((sum, n) => sum + n, 0)).toBe(2100);
  await expectIngestedOnce(f);
});
