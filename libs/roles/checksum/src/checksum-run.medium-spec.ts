// Checksum jobs of several files, run as a CHECKSUM worker runs them: real files on disk, the real
// hasher and path checks, pg-boss and the catalog on PostgreSQL through pgBouncer, the jobs
// runtime's batch consumer with its leases. A file that fails in a job of several is handed on as
// a job of its own; alone in its job, it fails the job.
import { execFileSync } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CatalogRepository, ChecksumBatchRepository } from '@portico/catalog';
import { createBoss, createPool, type PgBoss } from '@portico/db';
import { checksumFileJob, type ChecksumTarget, queueName, transcodeAssetJob } from '@portico/jobs-contracts';
import { ensureQueues, JobConsumer, JobProducer, PgLeaseStore } from '@portico/jobs-runtime';
import { FsStoragePaths, NodeFileHasher } from '@portico/storage';
import { ensureCommands, useTestDatabase, waitFor } from '@portico/testing';
import { type Pool } from 'pg';

import { CHECKSUM_BATCH } from './checksum-batch';
import { type ChecksumOutput, runChecksumBatch } from './checksum-run';

const db = useTestDatabase();
let pool: Pool;
let boss: PgBoss;
let producer: JobProducer;
let root: string;
let clusterId: string;
let storageId: string;
const catalog = new CatalogRepository();
const stops: Array<() => Promise<void>> = [];
const logged: string[] = [];

beforeAll(async () => {
  ensureCommands([{ command: 'mkfifo', debianPackage: 'coreutils' }]);
  root = mkdtempSync(path.join(tmpdir(), 'portico-checksum-run-'));
  pool = createPool(db.url, { max: 6 });
  boss = createBoss(db.url, {
    supervise: false,
    schedule: false,
    max: 6,
    application_name: 'checksum-run-spec',
  });
  boss.on('error', () => undefined);
  await boss.start();
  producer = new JobProducer(boss);
  clusterId = randomUUID();
  storageId = randomUUID();
  await pool.query('INSERT INTO portico.clusters (id, name) VALUES ($1, $2)', [clusterId, `c-${clusterId}`]);
  await pool.query('INSERT INTO portico.storages (id, cluster_id, name) VALUES ($1, $2, $3)', [
    storageId,
    clusterId,
    'nas',
  ]);
  await ensureQueues(boss, clusterId, [checksumFileJob, transcodeAssetJob]);
});

// The worker of each test: a batch consumer running runChecksumBatch, as the CHECKSUM handler does
// (stopped after each test: the database is dropped after the file's last one).
beforeEach(() => {
  const consumer = new JobConsumer({
    store: new PgLeaseStore(pool, boss),
    def: checksumFileJob,
    worker: { clusterId, workerId: randomUUID(), nodeId: randomUUID() },
    visibilitySeconds: 30,
    concurrency: 2,
    pollIntervalMs: 200,
    batch: {
      ...CHECKSUM_BATCH,
      handler: (batch) =>
        runChecksumBatch(
          {
            clusterId,
            hasher: new NodeFileHasher(),
            paths: new FsStoragePaths(root),
            checksums: new ChecksumBatchRepository(),
            producer,
            storageHealthy: () => true,
            log: { info: (_fields, message) => void logged.push(message) },
          },
          batch,
        ),
    },
  });
  consumer.start();
  stops.push(() => consumer.stop({ graceMs: 0 }));
});

afterEach(async () => {
  while (stops.length > 0) await stops.pop()!();
});

afterAll(async () => {
  await boss.stop({ graceful: false, timeout: 5_000 });
  await pool.end();
  rmSync(root, { recursive: true, force: true });
});

/** Writes a file under the storage and catalogues it as the scan does: the job's target. */
async function storedFile(relative: string, content: string | Buffer): Promise<ChecksumTarget> {
  const absolute = path.join(root, relative);
  mkdirSync(path.dirname(absolute), { recursive: true });
  writeFileSync(absolute, content);
  return cataloguedAs(relative, absolute);
}

async function cataloguedAs(relative: string, absolute: string): Promise<ChecksumTarget> {
  const stats = statSync(absolute);
  const ingested = await catalog.ingest(pool, clusterId, storageId, {
    path: relative,
    size: stats.size,
    mtime: stats.mtime,
    inode: stats.ino,
  });
  return {
    fileId: ingested.fileId,
    assetId: ingested.assetId,
    path: relative,
    size: stats.size,
    mtimeMs: Math.trunc(stats.mtimeMs),
  };
}

interface JobRow {
  id: string;
  state: string;
  retry_count: number;
  output: unknown;
  files: string[];
  delay_s: number;
}

async function jobRows(): Promise<JobRow[]> {
  const { rows } = await pool.query<JobRow>(
    `SELECT id::text, state, retry_count, output,
            array(SELECT t->>'fileId' FROM jsonb_array_elements(data->'files') AS t) AS files,
            extract(epoch FROM start_after - created_on)::float8 AS delay_s
       FROM pgboss.job WHERE name = $1`,
    [queueName(clusterId, checksumFileJob.name)],
  );
  return rows;
}

async function settled(jobId: string): Promise<JobRow> {
  return waitFor(
    async () => {
      const job = (await jobRows()).find((row) => row.id === jobId);
      return job && job.state !== 'created' && job.state !== 'active' ? job : undefined;
    },
    { timeoutMs: 20_000, description: `checksum job ${jobId} settled` },
  );
}

async function md5sOf(fileIds: readonly string[]): Promise<Map<string, string | null>> {
  const { rows } = await pool.query<{ id: string; md5: string | null }>(
    "SELECT id::text, checksums->>'md5' AS md5 FROM portico.files WHERE id = ANY ($1::uuid[])",
    [fileIds],
  );
  return new Map(rows.map((row) => [row.id, row.md5]));
}

const md5 = (content: string | Buffer): string => createHash('md5').update(content).digest('hex');

it('reads every file of a job, records them together and completes it once with each file in its output', async () => {
  const contents = Array.from({ length: 40 }, (_, i) => `small file ${i} ${randomUUID()}`);
  const files = await Promise.all(contents.map((content, i) => storedFile(`batch/f${i}.bin`, content)));
  const [jobId] = await producer.sendBatch(checksumFileJob, clusterId, [
    { files, algorithms: ['md5', 'sha1'] },
  ]);
  const job = await settled(jobId!);
  expect(job).toMatchObject({ state: 'completed', retry_count: 0 });
  const output = job.output as ChecksumOutput;
  expect(output.files.map((file) => file.fileId)).toEqual(files.map((file) => file.fileId));
  expect(output.files.map((file) => file.checksums?.['md5'])).toEqual(contents.map(md5));
  expect(output.transcodes).toBe(0);
  const recorded = await md5sOf(files.map((file) => file.fileId));
  expect(files.map((file) => recorded.get(file.fileId))).toEqual(contents.map(md5));
  // Nothing to transcode (.bin): every asset is ready.
  const { rows } = await pool.query<{ status: string }>(
    'SELECT DISTINCT status FROM portico.assets WHERE id = ANY ($1::uuid[])',
    [files.map((file) => file.assetId)],
  );
  expect(rows).toEqual([{ status: 'ready' }]);
});

it('hands each file that fails in a job of several on as a job of its own; the others are recorded', async () => {
  const good = await storedFile('mixed/good.bin', 'good content');
  const alsoGood = await storedFile('mixed/also-good.bin', 'more good content');
  // Gone from a healthy storage: nothing to record, the scan records the removal.
  const gone = await storedFile('mixed/gone.bin', 'soon deleted');
  unlinkSync(path.join(root, gone.path));
  // Changed since it was catalogued: its new version is the next scan's.
  const stale = await storedFile('mixed/stale.bin', 'first version');
  writeFileSync(path.join(root, stale.path), 'a longer second version');
  // A FIFO (not a regular file) and a link out of the storage: they fail here.
  execFileSync('mkfifo', [path.join(root, 'mixed/pipe.bin')]);
  const fifo = await cataloguedAs('mixed/pipe.bin', path.join(root, 'mixed/pipe.bin'));
  symlinkSync('/etc/hostname', path.join(root, 'mixed/escape.bin'));
  const escape = await cataloguedAs('mixed/escape.bin', path.join(root, 'mixed/escape.bin'));

  const files = [good, gone, fifo, stale, escape, alsoGood];
  const [jobId] = await producer.sendBatch(checksumFileJob, clusterId, [{ files, algorithms: ['md5'] }]);
  const job = await settled(jobId!);
  expect(job).toMatchObject({ state: 'completed', retry_count: 0 });
  const output = job.output as ChecksumOutput;
  expect(output.files).toEqual([
    { fileId: good.fileId, checksums: { md5: md5('good content') } },
    { fileId: gone.fileId, gone: true },
    { fileId: fifo.fileId, handedOn: expect.stringContaining('FileAccessError') as unknown },
    { fileId: stale.fileId, checksums: { md5: md5('a longer second version') }, stale: true },
    { fileId: escape.fileId, handedOn: expect.stringContaining('PathSecurityError') as unknown },
    { fileId: alsoGood.fileId, checksums: { md5: md5('more good content') } },
  ]);
  const recorded = await md5sOf(files.map((file) => file.fileId));
  expect(recorded.get(good.fileId)).toBe(md5('good content'));
  expect(recorded.get(alsoGood.fileId)).toBe(md5('more good content'));
  for (const file of [gone, fifo, stale, escape]) expect(recorded.get(file.fileId)).toBeNull();

  // The two failures each became a job of one file, waiting for the first retry delay.
  const handedOn = (await jobRows()).filter((row) => row.id !== jobId && row.files.length === 1);
  const byFile = new Map(handedOn.map((row) => [row.files[0], row]));
  for (const file of [fifo, escape]) {
    const row = byFile.get(file.fileId);
    expect(row).toBeDefined();
    expect(row!.delay_s).toBeGreaterThanOrEqual(checksumFileJob.retry.delaySeconds - 1);
  }
  expect(logged).toContain('files of a checksum job failed; each was handed on as a job of its own');
});

it('fails a job of one file with the reason, as it always did (here a permanent one: no retry)', async () => {
  execFileSync('mkfifo', [path.join(root, 'alone.bin')]);
  const fifo = await cataloguedAs('alone.bin', path.join(root, 'alone.bin'));
  const [jobId] = await producer.sendBatch(checksumFileJob, clusterId, [
    { files: [fifo], algorithms: ['md5'] },
  ]);
  const job = await settled(jobId!);
  expect(job).toMatchObject({ state: 'failed', retry_count: 0 });
  expect(JSON.stringify(job.output)).toContain('not a regular file');
  // Nothing was handed on: the job itself retries the file.
  expect((await jobRows()).filter((row) => row.files.includes(fifo.fileId))).toHaveLength(1);
});

it('runs a job queued by an earlier version (one file, at the top level of the payload)', async () => {
  const file = await storedFile('legacy/one.bin', 'queued before an upgrade');
  const queue = queueName(clusterId, checksumFileJob.name);
  const jobId = await boss.send(queue, { ...file, algorithms: ['md5'] });
  const job = await settled(jobId!);
  expect(job.state).toBe('completed');
  expect((await md5sOf([file.fileId])).get(file.fileId)).toBe(md5('queued before an upgrade'));
});
