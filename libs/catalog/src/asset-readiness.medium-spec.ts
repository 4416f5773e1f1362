// When an asset becomes `ready` (its planned outputs are stored), against real PostgreSQL through
// pgBouncer (transaction mode): the planned outputs, what counts as stored, and two transactions
// storing the last outputs at once.
import { randomUUID } from 'node:crypto';

import { createPool, inTransaction } from '@portico/db';
import { lockWaiters, rejectionOf, useTestDatabase, waitFor } from '@portico/testing';
import { type Pool } from 'pg';

import { CatalogRepository, type ObjectFileInput } from './catalog.repository';
import { CatalogNotFoundError } from './errors';
import type { OutputFormatKind } from './model/catalog-model';

const db = useTestDatabase();
let pool: Pool;
let otherPool: Pool;
const catalog = new CatalogRepository();
const T0 = new Date('2025-03-01T10:00:00.123Z');
const MD5 = 'a'.repeat(32);

beforeAll(() => {
  pool = createPool(db.url, { max: 4 });
  otherPool = createPool(db.url, { max: 4 });
});

afterAll(async () => {
  await pool.end();
  await otherPool.end();
});

interface Cluster {
  clusterId: string;
  storageId: string;
  stores: { proxy: string; archive: string; export: string };
}

async function newCluster(): Promise<Cluster> {
  const clusterId = randomUUID();
  const storageId = randomUUID();
  await pool.query('INSERT INTO portico.clusters (id, name) VALUES ($1, $2)', [clusterId, `c-${clusterId}`]);
  await pool.query('INSERT INTO portico.storages (id, cluster_id, name) VALUES ($1, $2, $3)', [
    storageId,
    clusterId,
    'nas',
  ]);
  const store = async (purpose: string) => {
    const id = randomUUID();
    await pool.query(
      `INSERT INTO portico.object_stores (id, cluster_id, name, purpose, endpoint, region, bucket, access_key_id, secret_ref)
       VALUES ($1, $2, $3, $4, 'http://127.0.0.1:9000', 'us-east-1', 'bucket', 'AK', 'env:S3_SECRET')`,
      [id, clusterId, `${purpose}-${id}`, purpose],
    );
    return id;
  };
  return {
    clusterId,
    storageId,
    stores: { proxy: await store('proxy'), archive: await store('archive'), export: await store('export') },
  };
}

/** An asset as the CHECKSUM role leaves it: ingested, its original checksummed. */
async function checksummedAsset(cluster: Cluster, path: string): Promise<string> {
  const ingested = await catalog.ingest(pool, cluster.clusterId, cluster.storageId, {
    path,
    size: 10,
    mtime: T0,
  });
  await catalog.recordChecksums(pool, {
    clusterId: cluster.clusterId,
    fileId: ingested.fileId,
    checksums: { md5: MD5 },
  });
  return ingested.assetId;
}

function output(
  cluster: Cluster,
  assetId: string,
  formatKind: OutputFormatKind,
  name: string,
  status: ObjectFileInput['status'],
  objectStoreId = cluster.stores.proxy,
): ObjectFileInput {
  return {
    clusterId: cluster.clusterId,
    assetId,
    formatKind,
    objectStoreId,
    objectKey: `${assetId}/${name}`,
    size: 4,
    checksums: { md5: MD5 },
    status,
  };
}

async function statusOf(cluster: Cluster, assetId: string) {
  return (await catalog.getAsset(pool, assetId, cluster.clusterId))?.asset.status;
}

describe('markReadyIfComplete', () => {
  it('makes an asset with no planned output ready once checksummed, and leaves other statuses alone', async () => {
    const cluster = await newCluster();
    const [notes, empty, waiting, broken] = await catalog.ingestMany(
      pool,
      cluster.clusterId,
      cluster.storageId,
      [
        { path: 'docs/notes.txt', size: 10, mtime: T0 },
        { path: 'empty.mov', size: 0, mtime: T0 },
        { path: 'waiting.mov', size: 10, mtime: T0 },
        { path: 'broken.mov', size: 10, mtime: T0 },
      ],
    );
    await catalog.recordChecksums(pool, {
      clusterId: cluster.clusterId,
      fileId: notes!.fileId,
      checksums: { md5: MD5 },
    });
    await catalog.setAssetStatus(pool, cluster.clusterId, broken!.assetId, 'failed', 'cannot read');

    const ready = await inTransaction(pool, (client) =>
      catalog.markReadyIfComplete(client, cluster.clusterId, notes!.assetId),
    );
    expect(ready).toMatchObject({ becameReady: true, asset: { id: notes!.assetId, status: 'ready' } });
    const again = await inTransaction(pool, (client) =>
      catalog.markReadyIfComplete(client, cluster.clusterId, notes!.assetId),
    );
    expect(again).toMatchObject({ becameReady: false, asset: { status: 'ready' } });

    for (const [asset, status] of [
      [empty!, 'empty'],
      [waiting!, 'registered'],
      [broken!, 'failed'],
    ] as const) {
      const outcome = await inTransaction(pool, (client) =>
        catalog.markReadyIfComplete(client, cluster.clusterId, asset.assetId),
      );
      expect(outcome).toMatchObject({ becameReady: false, asset: { status } });
    }
    await expect(catalog.markReadyIfComplete(pool, randomUUID(), notes!.assetId)).rejects.toThrow(
      CatalogNotFoundError,
    );
  });

  it('makes a video ready only when every planned output has files in the proxy store, all stored', async () => {
    const cluster = await newCluster();
    const assetId = await checksummedAsset(cluster, 'clip.mov');
    const check = () =>
      inTransaction(pool, (client) => catalog.markReadyIfComplete(client, cluster.clusterId, assetId));
    await catalog.expectOutputs(pool, cluster.clusterId, assetId, ['PROXY', 'KEYFRAMES', 'POSTER']);
    await catalog.expectOutputs(pool, cluster.clusterId, assetId, ['PROXY']);
    const formats = (await catalog.getAsset(pool, assetId))!.formats;
    expect(formats.map((format) => [format.kind, format.files.length])).toEqual([
      ['ORIGINAL', 1],
      ['PROXY', 0],
      ['KEYFRAMES', 0],
      ['POSTER', 0],
    ]);
    expect((await check()).becameReady).toBe(false);

    // The proxy is stored, but keyframes and poster are still to come.
    await catalog.addObjectFile(pool, output(cluster, assetId, 'PROXY', 'proxy.mp4', 'pending'));
    expect((await check()).becameReady).toBe(false);
    await catalog.addObjectFile(pool, output(cluster, assetId, 'PROXY', 'proxy.mp4', 'stored'));
    expect((await check()).becameReady).toBe(false);

    // One keyframe stored, one pending; a poster stored in the export store is not an output.
    await catalog.addObjectFile(pool, output(cluster, assetId, 'KEYFRAMES', 'k1.jpg', 'stored'));
    await catalog.addObjectFile(pool, output(cluster, assetId, 'KEYFRAMES', 'k2.jpg', 'pending'));
    await catalog.addObjectFile(
      pool,
      output(cluster, assetId, 'POSTER', 'poster.jpg', 'stored', cluster.stores.export),
    );
    expect((await check()).becameReady).toBe(false);
    // A format with files is never dropped, even when its only file is an export copy.
    expect(await catalog.dropExpectedOutput(pool, cluster.clusterId, assetId, 'KEYFRAMES')).toBe(false);
    expect(await catalog.dropExpectedOutput(pool, cluster.clusterId, assetId, 'POSTER')).toBe(false);

    // The last keyframe stored and the poster recorded in the proxy store.
    await catalog.addObjectFile(pool, output(cluster, assetId, 'KEYFRAMES', 'k2.jpg', 'stored'));
    await catalog.addObjectFile(pool, output(cluster, assetId, 'POSTER', 'p.jpg', 'pending'));
    // An archive copy of the original in flight is not an output either.
    await catalog.addObjectFile(pool, {
      ...output(cluster, assetId, 'PROXY', 'x', 'pending', cluster.stores.archive),
      formatKind: 'ORIGINAL',
      objectKey: `originals/${assetId}/clip.mov`,
    });
    expect((await check()).becameReady).toBe(false);
    await catalog.addObjectFile(pool, output(cluster, assetId, 'POSTER', 'p.jpg', 'stored'));
    expect(await check()).toMatchObject({
      becameReady: true,
      asset: { status: 'ready', statusReason: null },
    });
    expect(await statusOf(cluster, assetId)).toBe('ready');
  });

  it('counts a planned output with nothing to make as done once dropped', async () => {
    const cluster = await newCluster();
    const assetId = await checksummedAsset(cluster, 'tone-only.mp4');
    await catalog.expectOutputs(pool, cluster.clusterId, assetId, ['PROXY', 'KEYFRAMES', 'POSTER']);
    await catalog.addObjectFile(pool, output(cluster, assetId, 'PROXY', 'proxy.m4a', 'stored'));
    expect(await catalog.dropExpectedOutput(pool, cluster.clusterId, assetId, 'KEYFRAMES')).toBe(true);
    expect(await catalog.dropExpectedOutput(pool, cluster.clusterId, assetId, 'KEYFRAMES')).toBe(false);
    expect(
      (await inTransaction(pool, (client) => catalog.markReadyIfComplete(client, cluster.clusterId, assetId)))
        .becameReady,
    ).toBe(false);
    const outcome = await inTransaction(pool, async (client) => {
      await catalog.dropExpectedOutput(client, cluster.clusterId, assetId, 'POSTER');
      return catalog.markReadyIfComplete(client, cluster.clusterId, assetId);
    });
    expect(outcome).toMatchObject({ becameReady: true, asset: { status: 'ready' } });
    expect((await catalog.getAsset(pool, assetId))!.formats.map((format) => format.kind)).toEqual([
      'ORIGINAL',
      'PROXY',
    ]);
  });

  it('is not fooled by two transactions storing the last two outputs at once: the second one makes it ready', async () => {
    const cluster = await newCluster();
    const assetId = await checksummedAsset(cluster, 'race.mov');
    await catalog.expectOutputs(pool, cluster.clusterId, assetId, ['PROXY', 'POSTER']);
    await catalog.addObjectFile(pool, output(cluster, assetId, 'PROXY', 'proxy.mp4', 'pending'));
    await catalog.addObjectFile(pool, output(cluster, assetId, 'POSTER', 'poster.jpg', 'pending'));
    const first = await pool.connect();
    const second = await otherPool.connect();
    try {
      // Each upload records its output stored, then checks, in its own transaction.
      await first.query('BEGIN');
      await catalog.addObjectFile(first, output(cluster, assetId, 'PROXY', 'proxy.mp4', 'stored'));
      const a = await catalog.markReadyIfComplete(first, cluster.clusterId, assetId);
      expect(a.becameReady).toBe(false);

      await second.query('BEGIN');
      await catalog.addObjectFile(second, output(cluster, assetId, 'POSTER', 'poster.jpg', 'stored'));
      const b = catalog.markReadyIfComplete(second, cluster.clusterId, assetId);
      await waitFor(async () => (await lockWaiters(db)) > 0, {
        description: "the second check waits on the first one's lock of the asset",
      });
      await first.query('COMMIT');
      // Counted after the first commit: both outputs are stored.
      expect(await b).toMatchObject({ becameReady: true, asset: { status: 'ready' } });
      await second.query('COMMIT');
    } finally {
      first.release();
      second.release();
    }
    expect(await statusOf(cluster, assetId)).toBe('ready');
  });
});

describe('expectOutputs', () => {
  it('refuses an asset of another cluster and a format that is not an output', async () => {
    const cluster = await newCluster();
    const assetId = await checksummedAsset(cluster, 'x.mov');
    const other = await newCluster();
    const missing = await rejectionOf(
      catalog.expectOutputs(pool, other.clusterId, assetId, ['PROXY']),
      CatalogNotFoundError,
    );
    expect(missing.message).toContain(assetId);
    await expect(
      catalog.expectOutputs(pool, cluster.clusterId, assetId, ['ORIGINAL' as OutputFormatKind]),
    ).rejects.toThrow(/"ORIGINAL" is not an output format/);
    expect((await catalog.getAsset(pool, assetId))!.formats.map((format) => format.kind)).toEqual([
      'ORIGINAL',
    ]);
  });
});
