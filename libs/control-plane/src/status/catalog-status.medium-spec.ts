// The catalog section of the cluster status, through the typed client against the built control
// plane over real pgBouncer. The catalog rows, events and jobs are written the way nodes and the
// leader write them (@portico/catalog, pg-boss), in two clusters sharing the database.
import { randomUUID } from 'node:crypto';

import { CatalogRepository, EventsRepository } from '@portico/catalog';
import { type CatalogSummary, type ControlPlaneClient } from '@portico/control-plane-client';
import { createBoss, createPool, type PgBoss } from '@portico/db';
import { defineJob, queueName } from '@portico/jobs-contracts';
import { ensureQueues, JobProducer } from '@portico/jobs-runtime';
import { type ControlPlaneHandle, rejectionOf, startControlPlane, useTestDatabase } from '@portico/testing';
import { DatabaseError, type Pool } from 'pg';
import { z } from 'zod';

// Test-only job type: fails for good at the first failure, into the cluster's dead-letter queue.
const workJob = defineJob({
  name: 'test.status-work',
  role: 'CHECKSUM',
  payload: z.object({ n: z.number().int() }),
  retry: { limit: 0, delaySeconds: 0, backoff: false },
  deadLetter: true,
});

const db = useTestDatabase();
const catalog = new CatalogRepository();
const events = new EventsRepository();
const T0 = new Date('2025-05-01T12:00:00.000Z');
const MD5 = '9e107d9d372bb6826bd81d3542a419d6';
let server: ControlPlaneHandle;
let admin: ControlPlaneClient;
let pool: Pool;
let boss: PgBoss;
let producer: JobProducer;

beforeAll(async () => {
  server = await startControlPlane({ databaseUrl: db.url, env: { PORTICO_HTTP_HOST: '127.0.0.1' } });
  admin = server.admin;
  pool = createPool(db.url, { max: 4 });
  boss = createBoss(db.url, { supervise: false, schedule: false, max: 4, application_name: 'status-spec' });
  boss.on('error', () => undefined);
  await boss.start();
  producer = new JobProducer(boss);
});

afterAll(async () => {
  await server?.process.stop();
  await boss?.stop({ graceful: false, timeout: 5_000 });
  await pool?.end();
});

/** A cluster with its storage, proxy and archive stores, and its job queues. */
async function newCluster(name: string) {
  const cluster = await admin.createCluster({ name });
  const storage = await admin.createStorage(cluster.id, { name: 'nas' });
  const store = (purpose: 'proxy' | 'archive') =>
    admin.createObjectStore(cluster.id, {
      name: purpose,
      purpose,
      endpoint: 'http://127.0.0.1:9000',
      bucket: purpose,
      accessKeyId: 'AK',
      secretAccessKeyRef: 'env:STORE_SECRET',
    });
  const [proxy, archive] = [await store('proxy'), await store('archive')];
  await ensureQueues(boss, cluster.id, [workJob]);
  const ingest = (path: string, size: number) =>
    catalog.ingest(pool, cluster.id, storage.id, { path, size, mtime: T0, inode: 1 });
  return { cluster, proxy, archive, ingest };
}

const nothing = { stored: 0, pending: 0, failed: 0 };

describe('status: the catalog', () => {
  it('counts an empty cluster as empty', async () => {
    const { cluster } = await newCluster('status-empty');
    expect((await admin.clusterStatus(cluster.id)).catalog).toEqual({
      assets: {
        live: 0,
        byStatus: { registered: 0, empty: 0, checksummed: 0, ready: 0, failed: 0 },
        removed: 0,
      },
      originals: { files: 0, bytes: 0, checksummed: 0, empty: 0, failed: 0 },
      outputs: {
        total: 0,
        ...nothing,
        byFormat: { PROXY: nothing, KEYFRAMES: nothing, POSTER: nothing },
      },
      pendingEvents: 0,
      jobs: { queued: 0, active: 0, dead: 0 },
    } satisfies CatalogSummary);
  });

  it('counts assets, originals, outputs, events and jobs in their states, cluster by cluster', async () => {
    const { cluster, proxy, archive, ingest } = await newCluster('status-busy');
    const clip = await ingest('clip.mov', 100);
    const song = await ingest('song.wav', 200);
    const still = await ingest('still.png', 300);
    await ingest('empty.txt', 0);
    const broken = await ingest('broken.mov', 50);
    await ingest('new.mov', 10);
    const gone = await ingest('gone.mov', 70);
    for (const file of [clip, song, still])
      await catalog.recordChecksums(pool, {
        clusterId: cluster.id,
        fileId: file.fileId,
        checksums: { md5: MD5 },
      });
    await catalog.setFileStatus(pool, cluster.id, broken.fileId, 'failed', 'ffprobe cannot read it');
    await catalog.setAssetStatus(pool, cluster.id, broken.assetId, 'failed', 'ffprobe cannot read it');
    await catalog.markRemoved(pool, cluster.id, [gone.fileId]);

    const output = async (
      assetId: string,
      formatKind: 'ORIGINAL' | 'PROXY' | 'KEYFRAMES' | 'POSTER',
      status: 'pending' | 'stored',
      objectStoreId = proxy.id,
    ) =>
      (
        await catalog.addObjectFile(pool, {
          clusterId: cluster.id,
          assetId,
          formatKind,
          objectStoreId,
          objectKey: `${assetId}/${formatKind}/${randomUUID()}`,
          size: 5,
          status,
        })
      ).file;
    await output(clip.assetId, 'PROXY', 'stored');
    await output(clip.assetId, 'KEYFRAMES', 'stored');
    await output(clip.assetId, 'KEYFRAMES', 'stored');
    const poster = await output(clip.assetId, 'POSTER', 'pending');
    await catalog.setFileStatus(pool, cluster.id, poster.id, 'failed', 'upload checksum mismatch');
    await output(song.assetId, 'PROXY', 'pending');
    await output(still.assetId, 'PROXY', 'stored');
    // An archive copy of an original is not an output.
    await output(clip.assetId, 'ORIGINAL', 'stored', archive.id);

    // Three events: one ended (failed), one claimed and running, one queued.
    const [ended, running] = [
      await admin.createEvent(cluster.id, { kind: 'rescan' }),
      await admin.createEvent(cluster.id, { kind: 'rescan' }),
    ];
    await admin.createEvent(cluster.id, { kind: 'transcode', assetIds: [clip.assetId] });
    const leader = { term: 1, nodeId: randomUUID() };
    await events.failClaimable(pool, ended.id, leader, 'given up');
    expect((await events.claimNext(pool, { clusterId: cluster.id, ...leader, limit: 1 }))[0]?.id).toBe(
      running.id,
    );

    // Three jobs: one waiting, one taken by a worker, one failed for good into the dead letters.
    for (const n of [1, 2, 3]) await producer.send(workJob, cluster.id, { n });
    const queue = queueName(cluster.id, workJob.name);
    const [taken] = await boss.fetch(queue);
    const [failing] = await boss.fetch(queue);
    await boss.fail(queue, failing!.id, { message: 'broken on purpose' });
    expect(taken).toBeDefined();

    // Another cluster's rows and jobs count for that cluster only.
    const other = await newCluster('status-other');
    await other.ingest('other.mov', 1000);
    await producer.send(workJob, other.cluster.id, { n: 1 });

    expect((await admin.clusterStatus(cluster.id)).catalog).toEqual({
      assets: {
        live: 6,
        byStatus: { registered: 1, empty: 1, checksummed: 3, ready: 0, failed: 1 },
        removed: 1,
      },
      originals: { files: 6, bytes: 660, checksummed: 3, empty: 1, failed: 1 },
      outputs: {
        total: 6,
        stored: 4,
        pending: 1,
        failed: 1,
        byFormat: {
          PROXY: { stored: 2, pending: 1, failed: 0 },
          KEYFRAMES: { stored: 2, pending: 0, failed: 0 },
          POSTER: { stored: 0, pending: 0, failed: 1 },
        },
      },
      pendingEvents: 2,
      jobs: { queued: 1, active: 1, dead: 1 },
    } satisfies CatalogSummary);

    expect((await admin.clusterStatus(other.cluster.id)).catalog).toMatchObject({
      assets: { live: 1, byStatus: { registered: 1 }, removed: 0 },
      originals: { files: 1, bytes: 1000, checksummed: 0 },
      outputs: { total: 0 },
      pendingEvents: 0,
      jobs: { queued: 1, active: 0, dead: 0 },
    });
  });

  it("copies a format's kind onto each file in an object store, and refuses a file whose format does not exist", async () => {
    const { cluster, proxy, ingest } = await newCluster('status-kind');
    const { assetId } = await ingest('clip.mov', 1);
    const insertFile = (formatId: string) =>
      `INSERT INTO portico.files (id, cluster_id, asset_id, format_id, location, object_store_id, object_key, size, status)
       SELECT $1::uuid, $2::uuid, $3::uuid, ${formatId}, 'object_store', $4::uuid, $1::text, 1, 'stored'`;
    // The format made in the same statement, before the file: the kind is there when the file is inserted.
    await pool.query(
      `WITH fm AS (INSERT INTO portico.formats (id, asset_id, kind) VALUES ($5, $3, 'POSTER') RETURNING id)
       ${insertFile('fm.id')} FROM fm`,
      [randomUUID(), cluster.id, assetId, proxy.id, randomUUID()],
    );
    expect((await admin.clusterStatus(cluster.id)).catalog.outputs).toMatchObject({
      total: 1,
      byFormat: { POSTER: { stored: 1, pending: 0, failed: 0 } },
    });

    const refused = await rejectionOf(
      pool.query(insertFile('$5::uuid'), [randomUUID(), cluster.id, assetId, proxy.id, randomUUID()]),
      DatabaseError,
    );
    expect(refused).toMatchObject({ code: '23503' });
    expect(refused.message).toMatch(
      /names format [0-9a-f-]{36}, which does not exist: insert the format first$/,
    );
  });
});
