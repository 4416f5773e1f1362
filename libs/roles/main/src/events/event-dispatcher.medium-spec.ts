// The leader's event dispatcher against real PostgreSQL through pgBouncer (transaction mode), real
// pg-boss queues and real files: every kind of event becomes the right jobs exactly once, a stale
// term changes nothing, an event the cluster cannot act on ends failed with its reason, and the
// jobs' ends settle their events.
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { CatalogRepository, type CatalogEvent, EventsRepository, type NewEvent } from '@portico/catalog';
import { type FenceContext, LeaseRepository, StaleTermError } from '@portico/cluster';
import { createBoss, createPool, type PgBoss } from '@portico/db';
import { clusterQueuePrefix, queueName } from '@portico/jobs-contracts';
import { ensureQueues, jobIdForKey, JobProducer } from '@portico/jobs-runtime';
import { FsStoragePaths } from '@portico/storage';
import { rejectionOf, useTestDatabase } from '@portico/testing';
import type { Pool } from 'pg';

import { type DispatcherLogger, EventDispatcher, type EventDispatcherOptions } from './event-dispatcher';
import { EVENT_JOBS } from './event-plan';
import { FsStorageFiles } from './storage-files.adapter';

const MD5 = 'd41d8cd98f00b204e9800998ecf8427e';
const db = useTestDatabase();
let pool: Pool;
let boss: PgBoss;
let producer: JobProducer;
let root: string;
const events = new EventsRepository();
const catalog = new CatalogRepository();

beforeAll(async () => {
  pool = createPool(db.url, { max: 8 });
  boss = createBoss(db.url, {
    supervise: false,
    schedule: false,
    max: 4,
    application_name: 'dispatcher-spec',
  });
  boss.on('error', () => undefined);
  await boss.start();
  producer = new JobProducer(boss);
  root = await mkdtemp(path.join(tmpdir(), 'portico-events-'));
});

afterAll(async () => {
  await boss.stop({ graceful: false, timeout: 5_000 });
  await pool.end();
  await rm(root, { recursive: true, force: true });
});

interface Cluster {
  readonly id: string;
  readonly storageId: string;
  readonly archiveId: string;
  readonly exportId: string;
  readonly mount: string;
}

async function newCluster(options: { queues?: boolean } = {}): Promise<Cluster> {
  const id = randomUUID();
  const storageId = randomUUID();
  await pool.query('INSERT INTO portico.clusters (id, name) VALUES ($1, $2)', [id, `ev-${id}`]);
  await pool.query('INSERT INTO portico.storages (id, cluster_id, name) VALUES ($1, $2, $3)', [
    storageId,
    id,
    `nas-${id}`,
  ]);
  const store = async (purpose: string): Promise<string> => {
    const storeId = randomUUID();
    await pool.query(
      `INSERT INTO portico.object_stores (id, cluster_id, name, purpose, endpoint, region, bucket, access_key_id, secret_ref)
       VALUES ($1, $2, $3, $4, 'http://127.0.0.1:9000', 'us-east-1', 'bucket', 'AK', 'env:S3_SECRET')`,
      [storeId, id, `${purpose}-${storeId}`, purpose],
    );
    return storeId;
  };
  if (options.queues !== false) await ensureQueues(boss, id, EVENT_JOBS);
  const mount = path.join(root, id);
  await mkdir(mount, { recursive: true });
  return { id, storageId, archiveId: await store('archive'), exportId: await store('export'), mount };
}

/** A checksummed original on the storage (a real file when `content` is given). */
async function original(cluster: Cluster, relative: string, content?: string) {
  let size = 1000;
  let mtime = new Date(Date.now() - 60_000);
  let inode: number | null = null;
  if (content !== undefined) {
    const absolute = path.join(cluster.mount, relative);
    await mkdir(path.dirname(absolute), { recursive: true });
    await writeFile(absolute, content);
    const info = await stat(absolute);
    [size, mtime, inode] = [info.size, info.mtime, info.ino];
  }
  const ingested = await catalog.ingest(pool, cluster.id, cluster.storageId, {
    path: relative,
    size,
    mtime,
    inode,
  });
  await catalog.recordChecksums(pool, {
    clusterId: cluster.id,
    fileId: ingested.fileId,
    checksums: { md5: MD5 },
  });
  return { assetId: ingested.assetId, fileId: ingested.fileId, path: relative };
}

async function createEvent(cluster: Cluster, event: Omit<NewEvent, 'clusterId'>): Promise<CatalogEvent> {
  return events.create(pool, { clusterId: cluster.id, createdBy: 'admin', ...event });
}

/** A leader of the cluster: its lease, i.e. a new term. */
async function elect(cluster: Cluster): Promise<FenceContext> {
  const leases = new LeaseRepository(pool, { requestTimeoutMs: 2000 });
  const [nodeId, workerId] = [randomUUID(), randomUUID()];
  const grant = await leases.acquire(cluster.id, nodeId, workerId, 30_000);
  if (!grant.granted) throw new Error('expected the lease to be granted');
  return { clusterId: cluster.id, term: grant.term, nodeId, workerId, action: 'consume-event' };
}

async function release(fence: FenceContext): Promise<void> {
  await new LeaseRepository(pool, { requestTimeoutMs: 2000 }).release(
    fence.clusterId,
    fence.term,
    fence.workerId,
  );
}

interface Harness {
  readonly dispatcher: EventDispatcher;
  readonly rescans: Array<string | null>;
  readonly lines: Array<{ level: string; fields: object; message: string }>;
}

function dispatcherOf(cluster: Cluster, overrides: Partial<EventDispatcherOptions> = {}): Harness {
  const rescans: Array<string | null> = [];
  const lines: Harness['lines'] = [];
  const logger: DispatcherLogger = {
    info: (fields, message) => lines.push({ level: 'info', fields, message }),
    warn: (fields, message) => lines.push({ level: 'warn', fields, message }),
    error: (fields, message) => lines.push({ level: 'error', fields, message }),
  };
  const dispatcher = new EventDispatcher({
    pool,
    producer,
    files: new FsStorageFiles(new FsStoragePaths(cluster.mount)),
    transcode: () => ({
      profiles: ['proxy', 'keyframes', 'poster'],
      profilesFor: (kind) =>
        kind === 'video' ? ['proxy', 'keyframes', 'poster'] : kind === 'other' ? [] : ['proxy'],
    }),
    requestRescan: (directory) => rescans.push(directory),
    logger,
    ...overrides,
  });
  return { dispatcher, rescans, lines };
}

interface StoredJob {
  readonly id: string;
  readonly queue: string;
  readonly state: string;
  readonly data: Record<string, unknown>;
}

async function jobsOf(cluster: Cluster): Promise<StoredJob[]> {
  const { rows } = await pool.query<{
    id: string;
    name: string;
    state: string;
    data: Record<string, unknown>;
  }>(
    `SELECT id, name, state::text AS state, data FROM pgboss.job WHERE starts_with(name, $1) ORDER BY created_on, id`,
    [clusterQueuePrefix(cluster.id)],
  );
  return rows.map((row) => ({
    id: row.id,
    queue: row.name.slice(clusterQueuePrefix(cluster.id).length),
    state: row.state,
    data: row.data,
  }));
}

async function eventOf(id: string): Promise<CatalogEvent> {
  const event = await events.get(pool, id);
  if (!event) throw new Error(`event ${id} is gone`);
  return event;
}

it('turns every kind of event into the right jobs (or its own work) exactly once', async () => {
  const cluster = await newCluster();
  const { dispatcher, rescans } = dispatcherOf(cluster);
  const clip = await original(cluster, 'shows/ep1/clip.mov');
  const toArchive = await original(cluster, 'shows/ep1/raw.mxf');
  const lost = await original(cluster, 'vault/lost.mov');
  await catalog.markRemoved(pool, cluster.id, [lost.fileId]);
  const archived = await catalog.addObjectFile(pool, {
    clusterId: cluster.id,
    assetId: lost.assetId,
    formatKind: 'ORIGINAL',
    objectStoreId: cluster.archiveId,
    objectKey: `${lost.assetId}/${MD5}/lost.mov`,
    size: 1000,
    checksums: { md5: MD5 },
    status: 'stored',
  });
  const delivery = await original(cluster, 'out/final.mov');
  const doomed = await original(cluster, 'tmp/doomed.mov', 'bytes to delete');

  const transcode = await createEvent(cluster, { kind: 'transcode', assetIds: [clip.assetId] });
  const archive = await createEvent(cluster, { kind: 'archive', fileIds: [toArchive.fileId] });
  const restore = await createEvent(cluster, { kind: 'restore', assetIds: [lost.assetId] });
  const exported = await createEvent(cluster, {
    kind: 'export',
    assetIds: [delivery.assetId],
    parameters: { objectStoreId: cluster.exportId, prefix: 'client-a' },
  });
  const deletion = await createEvent(cluster, { kind: 'delete', assetIds: [doomed.assetId] });
  const rescan = await createEvent(cluster, { kind: 'rescan', parameters: { directory: 'shows' } });

  const fence = await elect(cluster);
  const round = await dispatcher.runRound(fence);
  expect(round).toMatchObject({ dispatched: 6, more: false });

  const jobs = await jobsOf(cluster);
  const byQueue = (queue: string) => jobs.filter((job) => job.queue === queue).map((job) => job.data);
  expect(byQueue('transcode.asset')).toEqual(
    expect.arrayContaining(
      ['proxy', 'keyframes', 'poster'].map((profile) => ({
        assetId: clip.assetId,
        fileId: clip.fileId,
        sourcePath: 'shows/ep1/clip.mov',
        checksum: { algorithm: 'md5', value: MD5 },
        profile,
      })),
    ),
  );
  expect(byQueue('transcode.asset')).toHaveLength(3);
  expect(byQueue('transfer.archive')).toEqual([
    {
      requestId: archive.id,
      assetId: toArchive.assetId,
      fileId: toArchive.fileId,
      sourcePath: 'shows/ep1/raw.mxf',
      checksum: { algorithm: 'md5', value: MD5 },
      destination: { storageId: cluster.archiveId, key: `${toArchive.assetId}/${MD5}/raw.mxf` },
    },
  ]);
  expect(byQueue('transfer.restore')).toEqual([
    {
      requestId: restore.id,
      assetId: lost.assetId,
      fileId: archived.file.id,
      source: { storageId: cluster.archiveId, key: `${lost.assetId}/${MD5}/lost.mov` },
      targetPath: 'vault/lost.mov',
      checksum: { algorithm: 'md5', value: MD5 },
    },
  ]);
  expect(byQueue('transfer.export')).toEqual([
    {
      requestId: exported.id,
      assetId: delivery.assetId,
      fileId: delivery.fileId,
      sourcePath: 'out/final.mov',
      destination: { storageId: cluster.exportId, key: 'client-a/out/final.mov' },
    },
  ]);
  expect(jobs).toHaveLength(6);

  // Each event records exactly the jobs it became; the job ids derive from the event's keys.
  const recorded = await Promise.all([transcode, archive, restore, exported].map((e) => eventOf(e.id)));
  for (const event of recorded) {
    expect(event).toMatchObject({ state: 'running', claimedTerm: fence.term, claimedBy: fence.nodeId });
    expect(event.dispatchedAt).toBeInstanceOf(Date);
  }
  expect(new Set(recorded.flatMap((event) => event.pendingJobs ?? []))).toEqual(
    new Set(jobs.map((job) => job.id)),
  );
  expect(recorded[0]!.pendingJobs).toHaveLength(3);
  expect(recorded[0]!.pendingJobs).toContain(
    jobIdForKey(queueName(cluster.id, 'transcode.asset'), `event:${transcode.id}:${clip.fileId}:proxy`),
  );

  // Delete and rescan are the leader's own work, done in the same transaction.
  expect(existsSync(path.join(cluster.mount, 'tmp/doomed.mov'))).toBe(false);
  expect(await catalog.getFile(pool, doomed.fileId, cluster.id)).toMatchObject({ removed: true });
  expect((await catalog.getAsset(pool, doomed.assetId, cluster.id))?.asset.removed).toBe(true);
  expect(await eventOf(deletion.id)).toMatchObject({
    state: 'done',
    reason: '1 original deleted from the storage',
  });
  expect(rescans).toEqual(['shows']);
  expect((await eventOf(rescan.id)).state).toBe('done');

  // The next rounds find nothing to claim: no event is dispatched twice.
  expect(await dispatcher.runRound(fence)).toMatchObject({ dispatched: 0, more: false });
  await createEvent(cluster, { kind: 'archive', assetIds: [toArchive.assetId] });
  expect(await dispatcher.runRound(fence)).toMatchObject({ dispatched: 1 });
  expect(await jobsOf(cluster)).toHaveLength(7);
  expect(rescans).toEqual(['shows']);
});

it("refuses a stale term's dispatch: nothing is claimed, sent or deleted, and the new leader takes the events", async () => {
  const cluster = await newCluster();
  const { dispatcher } = dispatcherOf(cluster);
  const clip = await original(cluster, 'a/clip.mov');
  const doomed = await original(cluster, 'a/doomed.mov', 'keep me while the term is stale');
  const archive = await createEvent(cluster, { kind: 'archive', assetIds: [clip.assetId] });
  const deletion = await createEvent(cluster, { kind: 'delete', assetIds: [doomed.assetId] });
  const old = await elect(cluster);
  await release(old);
  const current = await elect(cluster);
  expect(current.term).toBe(old.term + 1);

  const refused = await rejectionOf(dispatcher.runRound(old), StaleTermError);
  expect(refused.currentTerm).toBe(current.term);
  expect(await jobsOf(cluster)).toEqual([]);
  expect(await eventOf(archive.id)).toMatchObject({ state: 'queued', claimedTerm: null });
  expect(await eventOf(deletion.id)).toMatchObject({ state: 'queued', claimedTerm: null });
  expect(existsSync(path.join(cluster.mount, 'a/doomed.mov'))).toBe(true);
  expect(await catalog.getFile(pool, doomed.fileId, cluster.id)).toMatchObject({ removed: false });

  expect(await dispatcherOf(cluster).dispatcher.runRound(current)).toMatchObject({ dispatched: 2 });
  expect(await eventOf(archive.id)).toMatchObject({ state: 'running', claimedTerm: current.term });
  expect(await jobsOf(cluster)).toHaveLength(1);
  expect(existsSync(path.join(cluster.mount, 'a/doomed.mov'))).toBe(false);
  // The old term stays refused.
  await expect(dispatcher.dispatchBatch(old)).rejects.toBeInstanceOf(StaleTermError);
});

it('ends an event it cannot act on failed with a clear reason, once, and sends nothing', async () => {
  const cluster = await newCluster();
  const { dispatcher, lines } = dispatcherOf(cluster);
  const clip = await original(cluster, 'x/clip.mov');
  const ghost = randomUUID();
  const unknown = await createEvent(cluster, { kind: 'archive', assetIds: [clip.assetId, ghost] });
  const traversal = await createEvent(cluster, {
    kind: 'export',
    assetIds: [clip.assetId],
    parameters: { objectStoreId: cluster.exportId, prefix: '../../other-client' },
  });
  const badProfile = await createEvent(cluster, {
    kind: 'transcode',
    assetIds: [clip.assetId],
    parameters: { profiles: ['4k'] },
  });
  const wrongStore = await createEvent(cluster, {
    kind: 'export',
    assetIds: [clip.assetId],
    parameters: { objectStoreId: cluster.archiveId },
  });
  const fence = await elect(cluster);
  expect(await dispatcher.runRound(fence)).toMatchObject({ dispatched: 4 });

  expect(await eventOf(unknown.id)).toMatchObject({
    state: 'failed',
    reason: `asset ${ghost} is not in the catalog of cluster ${cluster.id}; request the event again with existing targets`,
  });
  expect(await eventOf(traversal.id)).toMatchObject({
    state: 'failed',
    reason:
      'parameters.prefix: must be relative ("a/b"), without empty, "." or ".." segments (event of kind export)',
  });
  expect((await eventOf(badProfile.id)).reason).toContain(
    'parameters.profiles: "4k" is not a transcode profile',
  );
  expect((await eventOf(wrongStore.id)).reason).toContain(
    'has purpose archive; export to a store with purpose export',
  );
  expect(await jobsOf(cluster)).toEqual([]);
  expect(lines.filter((line) => line.message === 'event refused')).toHaveLength(4);

  // Failed is final: later rounds leave them alone.
  const before = await eventOf(unknown.id);
  expect(await dispatcher.runRound(fence)).toMatchObject({ dispatched: 0 });
  expect(await eventOf(unknown.id)).toEqual(before);
});

it('retries a dispatch that fails, then fails the event with the error instead of retrying forever', async () => {
  // No queues were created for this cluster: every send fails, as with a queue dropped by hand.
  const cluster = await newCluster({ queues: false });
  const { dispatcher, lines } = dispatcherOf(cluster, { limits: { maxAttempts: 3 } });
  const clip = await original(cluster, 'y/clip.mov');
  const stuck = await createEvent(cluster, { kind: 'archive', assetIds: [clip.assetId] });
  const rescan = await createEvent(cluster, { kind: 'rescan' });
  const fence = await elect(cluster);

  expect(await dispatcher.runRound(fence)).toMatchObject({ dispatched: 0, more: false });
  expect(await eventOf(stuck.id)).toMatchObject({ state: 'queued' });
  expect(await dispatcher.runRound(fence)).toMatchObject({ dispatched: 0 });
  expect(lines.filter((line) => line.message.startsWith('event dispatch failed'))).toHaveLength(2);
  // Third attempt: given up, failed with the cause; the event behind it is dispatched at last.
  expect(await dispatcher.runRound(fence)).toMatchObject({ dispatched: 2 });
  const failed = await eventOf(stuck.id);
  expect(failed).toMatchObject({ state: 'failed', claimedTerm: fence.term });
  expect(failed.reason).toMatch(
    /^the leader could not turn it into jobs \(3 attempts\): .+; request it again/,
  );
  expect(failed.reason).toContain(queueName(cluster.id, 'transfer.archive'));
  expect((await eventOf(rescan.id)).state).toBe('done');
  expect(await dispatcher.runRound(fence)).toMatchObject({ dispatched: 0 });
});

it('dispatches a backlog in several short fenced batches within one round', async () => {
  const cluster = await newCluster();
  const { dispatcher } = dispatcherOf(cluster, { limits: { batchEvents: 10, batchMs: 60_000 } });
  const assets = [];
  for (let n = 0; n < 35; n += 1) assets.push(await original(cluster, `bulk/${n}.wav`));
  for (const asset of assets) await createEvent(cluster, { kind: 'transcode', assetIds: [asset.assetId] });
  const fence = await elect(cluster);
  expect(await dispatcher.runRound(fence)).toMatchObject({ dispatched: 35, more: false });
  const jobs = await jobsOf(cluster);
  expect(jobs).toHaveLength(35);
  expect(new Set(jobs.map((job) => job.data['fileId']))).toEqual(new Set(assets.map((a) => a.fileId)));
  const { rows } = await pool.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM portico.fenced_writes WHERE cluster_id = $1 AND action = 'consume-event'`,
    [cluster.id],
  );
  // 35 events by 10: four transactions, the last one finding the backlog empty after 5.
  expect(rows[0]!.n).toBe(4);
});

it("settles events by their jobs' ends: done when all completed, failed with the first failure", async () => {
  const cluster = await newCluster();
  const { dispatcher, lines } = dispatcherOf(cluster);
  const clip = await original(cluster, 's/clip.mov');
  const song = await original(cluster, 's/song.wav');
  const transcode = await createEvent(cluster, { kind: 'transcode', assetIds: [clip.assetId] });
  const archive = await createEvent(cluster, { kind: 'archive', assetIds: [song.assetId] });
  const fence = await elect(cluster);
  await dispatcher.runRound(fence);

  const transcodeQueue = queueName(cluster.id, 'transcode.asset');
  const archiveQueue = queueName(cluster.id, 'transfer.archive');
  const [proxy, keyframes, poster] = await boss.fetch(transcodeQueue, { batchSize: 3 });
  const [archiving] = await boss.fetch(archiveQueue, { batchSize: 1 });
  await boss.complete(transcodeQueue, [proxy!.id, keyframes!.id]);
  await boss.complete(archiveQueue, archiving!.id);
  // A permanent failure, as the job runtime records one: no retry left, then failed.
  await pool.query('UPDATE pgboss.job SET retry_limit = retry_count WHERE name = $1 AND id = $2', [
    transcodeQueue,
    poster!.id,
  ]);
  await boss.fail(transcodeQueue, poster!.id, {
    message: 'ffprobe cannot read the file as media: moov atom not found',
  });
  expect((await boss.getJobById(transcodeQueue, poster!.id))?.state).toBe('failed');

  expect((await dispatcher.runRound(fence)).settled).toBe(4);
  expect(await eventOf(archive.id)).toMatchObject({ state: 'done', pendingJobs: [], reason: null });
  const failed = await eventOf(transcode.id);
  expect(failed).toMatchObject({ state: 'failed', failedJobs: 1, pendingJobs: [] });
  expect(failed.reason).toBe(
    `job ${poster!.id}: failed for good: ffprobe cannot read the file as media: moov atom not found`,
  );
  expect(lines.find((line) => line.message === 'event failed')?.fields).toMatchObject({
    eventId: transcode.id,
  });
  // Settling is idempotent: nothing is left to record.
  expect((await dispatcher.runRound(fence)).settled).toBe(0);
});
