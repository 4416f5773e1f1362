// The catalog repositories against real PostgreSQL through pgBouncer (transaction mode), with
// real pg-boss jobs enqueued in the same transaction as the catalog writes.
import { randomUUID } from 'node:crypto';

import { createBoss, createPool, inTransaction, type PgBoss } from '@portico/db';
import { defineJob, queueName } from '@portico/jobs-contracts';
import { ensureQueues, JobProducer } from '@portico/jobs-runtime';
import { lockWaiters, rejectionOf, useTestDatabase, waitFor } from '@portico/testing';
import { type Pool, type PoolClient } from 'pg';
import { z } from 'zod';

import { CatalogListRepository } from './catalog-list.repository';
import { CatalogRepository, type IngestInput } from './catalog.repository';
import { CatalogConflictError, CatalogNotFoundError } from './errors';

// Test-only job: what ingest enqueues next in the product (a checksum job).
const checksumJob = defineJob({
  name: 'test.catalog-checksum',
  role: 'CHECKSUM',
  payload: z.object({ fileId: z.uuid() }),
  retry: { limit: 0, delaySeconds: 0, backoff: false },
  deadLetter: false,
});

const db = useTestDatabase();
let pool: Pool;
let otherPool: Pool;
let boss: PgBoss;
let producer: JobProducer;
const catalog = new CatalogRepository();
const lists = new CatalogListRepository();

beforeAll(async () => {
  pool = createPool(db.url, { max: 6 });
  otherPool = createPool(db.url, { max: 6 });
  boss = createBoss(db.url, { supervise: false, schedule: false, max: 4, application_name: 'catalog-spec' });
  boss.on('error', () => undefined);
  await boss.start();
  producer = new JobProducer(boss);
});

afterAll(async () => {
  await boss.stop({ graceful: false, timeout: 5_000 });
  await pool.end();
  await otherPool.end();
});

interface Fixture {
  clusterId: string;
  storageId: string;
}

async function newCluster(): Promise<Fixture> {
  const clusterId = randomUUID();
  const storageId = randomUUID();
  await pool.query('INSERT INTO portico.clusters (id, name) VALUES ($1, $2)', [clusterId, `c-${clusterId}`]);
  await pool.query('INSERT INTO portico.storages (id, cluster_id, name) VALUES ($1, $2, $3)', [
    storageId,
    clusterId,
    'nas',
  ]);
  await ensureQueues(boss, clusterId, [checksumJob]);
  return { clusterId, storageId };
}

async function count(sql: string, values: unknown[]): Promise<number> {
  return (await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${sql}`, values)).rows[0]!.n;
}

async function jobsOf(clusterId: string): Promise<Array<{ fileId: string }>> {
  const { rows } = await pool.query<{ data: { fileId: string } }>(
    'SELECT data FROM pgboss.job WHERE name = $1',
    [queueName(clusterId, checksumJob.name)],
  );
  return rows.map((row) => row.data);
}

/** What the leader does: ingest and, for a new content version only, enqueue its checksum job — atomically. */
async function ingestAndEnqueue(client: PoolClient, fixture: Fixture, input: IngestInput) {
  const result = await catalog.ingest(client, fixture.clusterId, fixture.storageId, input);
  if (result.created)
    await producer.send(checksumJob, fixture.clusterId, { fileId: result.fileId }, { db: client });
  return result;
}

const T0 = new Date('2025-03-01T10:00:00.123Z');

describe('ingest', () => {
  it('is exactly once when a second ingester waits on the first: it finds the rows, enqueues nothing', async () => {
    const fixture = await newCluster();
    const input = { path: 'Projects/A/clip.mov', size: 1000, mtime: T0, inode: 42n };
    const first = await pool.connect();
    const second = await otherPool.connect();
    try {
      await first.query('BEGIN');
      const a = await ingestAndEnqueue(first, fixture, input);
      expect(a).toMatchObject({ created: true, status: 'registered', replaced: null });

      // The second ingester's insert blocks on the first one's uncommitted row.
      await second.query('BEGIN');
      const b = ingestAndEnqueue(second, fixture, input);
      await waitFor(async () => (await lockWaiters(db)) > 0, {
        description: 'the second ingest waits on a lock',
      });
      await first.query('COMMIT');
      const found = await b;
      await second.query('COMMIT');

      expect(found).toEqual({ ...a, created: false });
    } finally {
      first.release();
      second.release();
    }
    expect(await count('portico.files WHERE cluster_id = $1', [fixture.clusterId])).toBe(1);
    expect(await count('portico.assets WHERE cluster_id = $1', [fixture.clusterId])).toBe(1);
    expect(await jobsOf(fixture.clusterId)).toHaveLength(1);
  });

  it('lets the waiting ingester create the rows when the first one rolls back', async () => {
    const fixture = await newCluster();
    const input = { path: 'b.wav', size: 5, mtime: T0 };
    const first = await pool.connect();
    const second = await otherPool.connect();
    try {
      await first.query('BEGIN');
      const a = await ingestAndEnqueue(first, fixture, input);
      await second.query('BEGIN');
      const b = ingestAndEnqueue(second, fixture, input);
      await waitFor(async () => (await lockWaiters(db)) > 0, {
        description: 'the second ingest waits on a lock',
      });
      await first.query('ROLLBACK');
      const created = await b;
      await second.query('COMMIT');
      expect(created.created).toBe(true);
      expect(created.fileId).not.toBe(a.fileId);
      expect(await jobsOf(fixture.clusterId)).toEqual([{ fileId: created.fileId }]);
    } finally {
      first.release();
      second.release();
    }
  });

  it('creates each content version once when two ingesters race through the same batch', async () => {
    const fixture = await newCluster();
    const inputs = Array.from({ length: 40 }, (_, n) => ({
      path: `race/${String(n).padStart(2, '0')}.mov`,
      size: 100 + n,
      mtime: new Date(T0.getTime() + n),
    }));
    const run = (target: Pool, order: IngestInput[]) =>
      Promise.all(
        order.map((input) => inTransaction(target, (client) => ingestAndEnqueue(client, fixture, input))),
      );
    const [a, b] = await Promise.all([run(pool, inputs), run(otherPool, [...inputs].reverse())]);
    const results = [...a, ...b];
    for (const input of inputs) {
      const mine = results.filter((r) => r.path === input.path);
      expect(mine).toHaveLength(2);
      expect(mine.filter((r) => r.created)).toHaveLength(1);
      expect(new Set(mine.map((r) => r.fileId)).size).toBe(1);
    }
    expect(await count('portico.files WHERE cluster_id = $1', [fixture.clusterId])).toBe(40);
    expect(await count('portico.assets WHERE cluster_id = $1', [fixture.clusterId])).toBe(40);
    expect(
      await count('portico.formats fm JOIN portico.assets a ON a.id = fm.asset_id WHERE a.cluster_id = $1', [
        fixture.clusterId,
      ]),
    ).toBe(40);
    const jobs = await jobsOf(fixture.clusterId);
    expect(jobs).toHaveLength(40);
    expect(new Set(jobs.map((job) => job.fileId)).size).toBe(40);
  });

  it('ingests a batch in input order, finding repeats, and registers zero-byte files as empty', async () => {
    const fixture = await newCluster();
    const batch = [
      { path: 'x/one.mov', size: 10, mtime: T0 },
      { path: 'x/empty.mov', size: 0, mtime: T0 },
      { path: 'x/one.mov', size: 10, mtime: T0 },
    ];
    const results = await catalog.ingestMany(pool, fixture.clusterId, fixture.storageId, batch);
    expect(results.map((r) => [r.path, r.created, r.status])).toEqual([
      ['x/one.mov', true, 'registered'],
      ['x/empty.mov', true, 'empty'],
      ['x/one.mov', false, 'registered'],
    ]);
    expect(results[2]!.fileId).toBe(results[0]!.fileId);
    const empty = await catalog.getAsset(pool, results[1]!.assetId, fixture.clusterId);
    expect(empty?.asset).toMatchObject({
      status: 'empty',
      kind: 'video',
      name: 'empty.mov',
      path: 'x/empty.mov',
    });
    expect(empty?.formats.map((f) => [f.kind, f.files.map((file) => file.status)])).toEqual([
      ['ORIGINAL', ['empty']],
    ]);
    // Again: nothing new.
    const again = await catalog.ingestMany(pool, fixture.clusterId, fixture.storageId, batch);
    expect(again.every((r) => !r.created)).toBe(true);
  });

  it('makes a new file row for a new content version of the same path, under the same asset', async () => {
    const fixture = await newCluster();
    const v1 = await catalog.ingest(pool, fixture.clusterId, fixture.storageId, {
      path: 'edit/final.mov',
      size: 100,
      mtime: T0,
    });
    await catalog.recordChecksums(pool, {
      clusterId: fixture.clusterId,
      fileId: v1.fileId,
      checksums: { md5: 'a'.repeat(32) },
    });
    await catalog.recordMediaInfo(pool, fixture.clusterId, v1.assetId, { duration: 3 }, 'video');
    const v2 = await catalog.ingest(pool, fixture.clusterId, fixture.storageId, {
      path: 'edit/final.mov',
      size: 200,
      mtime: new Date(T0.getTime() + 60_000),
    });
    expect(v2).toMatchObject({ created: true, assetId: v1.assetId, replaced: v1.fileId });
    expect(v2.fileId).not.toBe(v1.fileId);

    const detail = await catalog.getAsset(pool, v1.assetId);
    expect(detail?.asset).toMatchObject({ status: 'registered', mediaInfo: null, removed: false });
    const originals = detail!.formats.find((f) => f.kind === 'ORIGINAL')!.files;
    expect(originals.map((f) => [f.id, f.size, f.removed])).toEqual([
      [v1.fileId, 100, true],
      [v2.fileId, 200, false],
    ]);
    expect(await catalog.findFilesByPath(pool, fixture.clusterId, 'edit/final.mov')).toEqual([
      expect.objectContaining({ id: v2.fileId }),
    ]);
    expect(
      (
        await catalog.findFilesByPath(pool, fixture.clusterId, 'edit/final.mov', { includeRemoved: true })
      ).map((f) => f.id),
    ).toEqual([v2.fileId, v1.fileId]);
  });

  it('refuses a storage of another cluster and bad input, naming what is wrong', async () => {
    const a = await newCluster();
    const b = await newCluster();
    const wrong = await rejectionOf(
      catalog.ingest(pool, a.clusterId, b.storageId, { path: 'a.mov', size: 1, mtime: T0 }),
      CatalogNotFoundError,
    );
    expect(wrong.message).toContain(b.storageId);
    await expect(
      catalog.ingest(pool, a.clusterId, a.storageId, { path: '/abs.mov', size: 1, mtime: T0 }),
    ).rejects.toThrow(/relative to the storage root/);
    await expect(
      catalog.ingest(pool, a.clusterId, a.storageId, { path: 'x/../y', size: 1, mtime: T0 }),
    ).rejects.toThrow(/"\.\."/);
    await expect(
      catalog.ingest(pool, a.clusterId, a.storageId, { path: 'y', size: -1, mtime: T0 }),
    ).rejects.toThrow(/size of y/);
    expect(await count('portico.files WHERE cluster_id = ANY($1)', [[a.clusterId, b.clusterId]])).toBe(0);
  });
});

describe('moves and removals', () => {
  it('moves a file and its asset to a new path, and refuses a move onto the same live version', async () => {
    const fixture = await newCluster();
    const [one, two] = await catalog.ingestMany(pool, fixture.clusterId, fixture.storageId, [
      { path: 'in/a.mov', size: 7, mtime: T0, inode: 1001 },
      { path: 'in/b.mov', size: 7, mtime: T0, inode: 1002 },
    ]);
    expect((await catalog.findLiveFilesByInode(pool, fixture.storageId, 1001)).map((f) => f.id)).toEqual([
      one!.fileId,
    ]);
    const moved = await catalog.markMoved(pool, fixture.clusterId, one!.fileId, 'done/a renamed.mov');
    expect(moved).toMatchObject({ id: one!.fileId, path: 'done/a renamed.mov', assetId: one!.assetId });
    expect((await catalog.getAsset(pool, one!.assetId))?.asset).toMatchObject({
      path: 'done/a renamed.mov',
      name: 'a renamed.mov',
    });
    expect(await catalog.findFilesByPath(pool, fixture.clusterId, 'in/a.mov')).toEqual([]);

    const clash = await rejectionOf(
      catalog.markMoved(pool, fixture.clusterId, two!.fileId, 'done/a renamed.mov'),
      CatalogConflictError,
    );
    expect(clash.message).toContain('done/a renamed.mov');
    // Unknown ids and other clusters are not moved.
    expect(await catalog.markMoved(pool, randomUUID(), one!.fileId, 'z.mov')).toBeUndefined();
  });

  it('marks files removed once, and the asset when its last original on the storage goes', async () => {
    const fixture = await newCluster();
    const [a] = await catalog.ingestMany(pool, fixture.clusterId, fixture.storageId, [
      { path: 'r/a.mov', size: 3, mtime: T0 },
    ]);
    const objectStoreId = await newObjectStore(fixture.clusterId, 'archive');
    const copy = await catalog.addObjectFile(pool, {
      clusterId: fixture.clusterId,
      assetId: a!.assetId,
      formatKind: 'ORIGINAL',
      objectStoreId,
      objectKey: 'archive/a.mov',
      size: 3,
      status: 'stored',
    });

    expect(await catalog.markRemoved(pool, fixture.clusterId, [a!.fileId])).toEqual({
      fileIds: [a!.fileId],
      assetIds: [a!.assetId],
    });
    expect(await catalog.markRemoved(pool, fixture.clusterId, [a!.fileId])).toEqual({
      fileIds: [],
      assetIds: [],
    });
    const detail = await catalog.getAsset(pool, a!.assetId);
    expect(detail?.asset.removed).toBe(true);
    // The archive copy stays live, so the asset can be restored.
    expect((await catalog.getFile(pool, copy.file.id))?.removed).toBe(false);

    // A restore puts a new version back under the same asset, which is present again.
    const restored = await catalog.addStorageFile(pool, {
      clusterId: fixture.clusterId,
      assetId: a!.assetId,
      storageId: fixture.storageId,
      path: 'r/a.mov',
      size: 3,
      mtime: new Date(T0.getTime() + 5000),
      checksums: { md5: 'b'.repeat(32) },
    });
    expect(restored).toMatchObject({ created: true, file: { assetId: a!.assetId, status: 'checksummed' } });
    expect((await catalog.getAsset(pool, a!.assetId))?.asset.removed).toBe(false);
    // The scanner's later ingest of that version finds it.
    expect(
      await catalog.ingest(pool, fixture.clusterId, fixture.storageId, {
        path: 'r/a.mov',
        size: 3,
        mtime: new Date(T0.getTime() + 5000),
      }),
    ).toMatchObject({ created: false, fileId: restored.file.id, assetId: a!.assetId });
  });
});

describe('checksums and outputs', () => {
  it('records checksums, detects a mismatch, links duplicates and finds files by checksum', async () => {
    const fixture = await newCluster();
    const md5 = 'D41D8CD98F00B204E9800998ECF8427E';
    const [first, second, other] = await catalog.ingestMany(pool, fixture.clusterId, fixture.storageId, [
      { path: 'd/first.mov', size: 9, mtime: T0 },
      { path: 'd/copy of first.mov', size: 9, mtime: T0 },
      { path: 'd/other.mov', size: 9, mtime: T0 },
    ]);
    const recorded = await catalog.recordChecksums(pool, {
      clusterId: fixture.clusterId,
      fileId: first!.fileId,
      checksums: { md5 },
      linkDuplicatesBy: 'md5',
    });
    expect(recorded).toMatchObject({
      mismatches: [],
      duplicateOf: null,
      file: { status: 'checksummed', checksums: { md5: md5.toLowerCase() } },
    });
    expect((await catalog.getAsset(pool, first!.assetId))?.asset.status).toBe('checksummed');

    const duplicate = await catalog.recordChecksums(pool, {
      clusterId: fixture.clusterId,
      fileId: second!.fileId,
      checksums: { md5, sha1: 'c'.repeat(40) },
      linkDuplicatesBy: 'md5',
    });
    expect(duplicate.duplicateOf).toEqual({ fileId: first!.fileId, assetId: first!.assetId });
    expect(duplicate.file.duplicateOf).toBe(first!.fileId);
    // Recording again is idempotent and still reports the link.
    const again = await catalog.recordChecksums(pool, {
      clusterId: fixture.clusterId,
      fileId: second!.fileId,
      checksums: { md5 },
      linkDuplicatesBy: 'md5',
    });
    expect(again.duplicateOf).toEqual(duplicate.duplicateOf);
    expect(again.file.checksums).toEqual({ md5: md5.toLowerCase(), sha1: 'c'.repeat(40) });

    const found = await catalog.findFilesByChecksum(pool, fixture.clusterId, 'md5', md5);
    expect(found.map((f) => f.id)).toEqual([first!.fileId, second!.fileId]);
    expect(await catalog.findFilesByChecksum(pool, randomUUID(), 'md5', md5)).toEqual([]);

    // A different digest for an algorithm already recorded fails the file, keeping the old digest.
    const mismatch = await catalog.recordChecksums(pool, {
      clusterId: fixture.clusterId,
      fileId: first!.fileId,
      checksums: { md5: 'e'.repeat(32) },
    });
    expect(mismatch.mismatches).toEqual(['md5']);
    expect(mismatch.file).toMatchObject({ status: 'failed', checksums: { md5: md5.toLowerCase() } });
    expect(mismatch.file.statusReason).toMatch(/checksum mismatch \(md5\)/);

    await expect(
      catalog.recordChecksums(pool, {
        clusterId: fixture.clusterId,
        fileId: other!.fileId,
        checksums: { md5: 'xyz' },
      }),
    ).rejects.toThrow(/32 hex digits/);
    await expect(
      catalog.recordChecksums(pool, { clusterId: randomUUID(), fileId: other!.fileId, checksums: { md5 } }),
    ).rejects.toThrow(CatalogNotFoundError);
  });

  it('records outputs in the proxy store idempotently and shows them with the asset', async () => {
    const fixture = await newCluster();
    const proxyStore = await newObjectStore(fixture.clusterId, 'proxy');
    const [a, b] = await catalog.ingestMany(pool, fixture.clusterId, fixture.storageId, [
      { path: 'o/a.mov', size: 10, mtime: T0 },
      { path: 'o/b.mov', size: 10, mtime: T0 },
    ]);
    const output = {
      clusterId: fixture.clusterId,
      assetId: a!.assetId,
      formatKind: 'PROXY' as const,
      objectStoreId: proxyStore,
      objectKey: `proxies/${a!.assetId}.mp4`,
      size: 4,
      status: 'pending' as const,
    };
    const pending = await catalog.addObjectFile(pool, output);
    expect(pending).toMatchObject({ created: true, file: { status: 'pending', location: 'object_store' } });
    const stored = await catalog.addObjectFile(pool, {
      ...output,
      status: 'stored',
      checksums: { md5: 'f'.repeat(32) },
    });
    expect(stored).toMatchObject({ created: false, file: { id: pending.file.id, status: 'stored' } });
    await catalog.addObjectFile(pool, {
      ...output,
      formatKind: 'POSTER',
      objectKey: `posters/${a!.assetId}.jpg`,
    });

    const clash = await rejectionOf(
      catalog.addObjectFile(pool, { ...output, assetId: b!.assetId }),
      CatalogConflictError,
    );
    expect(clash.message).toContain(output.objectKey);

    const detail = await catalog.getAsset(pool, a!.assetId, fixture.clusterId);
    expect(detail?.formats.map((f) => [f.kind, f.files.length])).toEqual([
      ['ORIGINAL', 1],
      ['PROXY', 1],
      ['POSTER', 1],
    ]);
    expect(await catalog.getAsset(pool, a!.assetId, randomUUID())).toBeUndefined();
    await expect(
      catalog.addObjectFile(pool, { ...output, objectStoreId: (await newCluster()).storageId }),
    ).rejects.toThrow(CatalogNotFoundError);
  });
});

describe('deletes', () => {
  // Files have no key of their own on their asset (migration 0012): their format key implies it,
  // and an asset's files go with its formats.
  it('takes the files with an asset deleted, and the whole catalog with a cluster deleted', async () => {
    const fixture = await newCluster();
    const proxyStore = await newObjectStore(fixture.clusterId, 'proxy');
    const [a, b] = await catalog.ingestMany(pool, fixture.clusterId, fixture.storageId, [
      { path: 'd/a.mov', size: 10, mtime: T0 },
      { path: 'd/b.mov', size: 10, mtime: T0 },
    ]);
    for (const ingested of [a!, b!])
      await catalog.addObjectFile(pool, {
        clusterId: fixture.clusterId,
        assetId: ingested.assetId,
        formatKind: 'PROXY',
        objectStoreId: proxyStore,
        objectKey: `proxies/${ingested.assetId}.mp4`,
        size: 4,
        status: 'stored',
      });
    const filesOf = (clusterId: string) => count('portico.files WHERE cluster_id = $1', [clusterId]);
    expect(await filesOf(fixture.clusterId)).toBe(4);

    await pool.query('DELETE FROM portico.assets WHERE id = $1', [a!.assetId]);
    expect(await filesOf(fixture.clusterId)).toBe(2);
    expect(await count('portico.files WHERE asset_id = $1', [a!.assetId])).toBe(0);

    await pool.query('DELETE FROM portico.clusters WHERE id = $1', [fixture.clusterId]);
    expect(await filesOf(fixture.clusterId)).toBe(0);
    expect(await count('portico.assets WHERE cluster_id = $1', [fixture.clusterId])).toBe(0);
  });

  it('refuses a file whose format belongs to another asset, or whose storage is not in its cluster', async () => {
    const fixture = await newCluster();
    const other = await newCluster();
    const [a, b] = await catalog.ingestMany(pool, fixture.clusterId, fixture.storageId, [
      { path: 'k/a.mov', size: 10, mtime: T0 },
      { path: 'k/b.mov', size: 10, mtime: T0 },
    ]);
    const { rows } = await pool.query<{ format_id: string }>(
      'SELECT format_id FROM portico.files WHERE id = $1',
      [a!.fileId],
    );
    const insert = (assetId: string, storageId: string, clusterId: string) =>
      pool.query(
        `INSERT INTO portico.files (id, cluster_id, asset_id, format_id, location, storage_id, path, size, mtime, status)
         VALUES ($1, $2, $3, $4, 'storage', $5, $6, 1, now(), 'registered')`,
        [randomUUID(), clusterId, assetId, rows[0]!.format_id, storageId, `k/${randomUUID()}`],
      );
    // A's format under B's asset; a storage of another cluster.
    await expect(insert(b!.assetId, fixture.storageId, fixture.clusterId)).rejects.toMatchObject({
      code: '23503',
    });
    await expect(insert(a!.assetId, other.storageId, fixture.clusterId)).rejects.toMatchObject({
      code: '23503',
    });
    await expect(insert(a!.assetId, fixture.storageId, fixture.clusterId)).resolves.toMatchObject({
      rowCount: 1,
    });
  });
});

describe('lists', () => {
  it('pages newest first with a cursor that stays stable while rows are inserted', async () => {
    const fixture = await newCluster();
    const ingestBatch = (from: number, n: number) =>
      catalog.ingestMany(
        pool,
        fixture.clusterId,
        fixture.storageId,
        Array.from({ length: n }, (_, k) => ({ path: `p/${from + k}.mov`, size: 1, mtime: T0 })),
      );
    const original = await ingestBatch(0, 25);
    const seen: string[] = [];
    let cursor: string | undefined;
    let added = 100;
    do {
      const page = await lists.listAssets(pool, { clusterId: fixture.clusterId, limit: 7, cursor });
      seen.push(...page.items.map((a) => a.id));
      cursor = page.nextCursor ?? undefined;
      await ingestBatch(added, 3); // rows arriving between pages
      added += 3;
    } while (cursor);
    expect(seen).toEqual(original.map((r) => r.assetId).reverse());

    const files = await lists.listFiles(pool, { clusterId: fixture.clusterId, limit: 1000 });
    expect(files.items).toHaveLength(25 + (added - 100));
    expect(files.nextCursor).toBeNull();
  });

  it('filters by status, kind, path prefix (taken literally), removed, format and location', async () => {
    const fixture = await newCluster();
    const results = await catalog.ingestMany(pool, fixture.clusterId, fixture.storageId, [
      { path: 'a_b/clip.mov', size: 1, mtime: T0 },
      { path: 'aXb/clip.mov', size: 1, mtime: T0 },
      { path: 'a_b/song.wav', size: 0, mtime: T0 },
      { path: '100%/pic.jpg', size: 1, mtime: T0 },
    ]);
    const ids = (page: { items: Array<{ id: string }> }) => page.items.map((i) => i.id).sort();
    const assetIds = (n: number[]) => n.map((k) => results[k]!.assetId).sort();
    const base = { clusterId: fixture.clusterId, limit: 100 };
    expect(ids(await lists.listAssets(pool, { ...base, pathPrefix: 'a_b/' }))).toEqual(assetIds([0, 2]));
    expect(ids(await lists.listAssets(pool, { ...base, pathPrefix: '100%' }))).toEqual(assetIds([3]));
    expect(ids(await lists.listAssets(pool, { ...base, kind: 'audio' }))).toEqual(assetIds([2]));
    expect(ids(await lists.listAssets(pool, { ...base, status: 'empty' }))).toEqual(assetIds([2]));
    await catalog.markRemoved(pool, fixture.clusterId, [results[1]!.fileId]);
    expect(ids(await lists.listAssets(pool, { ...base, removed: true }))).toEqual(assetIds([1]));
    expect(ids(await lists.listAssets(pool, { ...base, removed: false }))).toHaveLength(3);

    const proxyStore = await newObjectStore(fixture.clusterId, 'proxy');
    const proxy = await catalog.addObjectFile(pool, {
      clusterId: fixture.clusterId,
      assetId: results[0]!.assetId,
      formatKind: 'PROXY',
      objectStoreId: proxyStore,
      objectKey: 'p.mp4',
      size: 1,
      status: 'pending',
    });
    expect(ids(await lists.listFiles(pool, { ...base, formatKind: 'PROXY' }))).toEqual([proxy.file.id]);
    expect(ids(await lists.listFiles(pool, { ...base, location: 'object_store' }))).toEqual([proxy.file.id]);
    expect(ids(await lists.listFiles(pool, { ...base, assetId: results[0]!.assetId }))).toEqual(
      [results[0]!.fileId, proxy.file.id].sort(),
    );
    expect(ids(await lists.listFiles(pool, { ...base, status: 'empty' }))).toEqual([results[2]!.fileId]);
    await expect(lists.listAssets(pool, { ...base, cursor: 'abc' })).rejects.toThrow(/cursor/);
    expect((await lists.listAssets(pool, { ...base, clusterId: randomUUID() })).items).toEqual([]);
  });

  it("walks a storage's live files in path order, a page at a time, optionally under a directory", async () => {
    const fixture = await newCluster();
    const paths = ['b/2.mov', 'a/1.mov', 'b/1.mov', 'B/0.mov', 'b/sub/3.mov', 'bb/4.mov'];
    await catalog.ingestMany(
      pool,
      fixture.clusterId,
      fixture.storageId,
      paths.map((path) => ({ path, size: 1, mtime: T0 })),
    );
    const walk = async (directory?: string) => {
      const out: string[] = [];
      let afterPath: string | undefined;
      for (;;) {
        const page = await lists.walkStorage(pool, {
          storageId: fixture.storageId,
          directory,
          afterPath,
          limit: 2,
        });
        out.push(...page.items.map((f) => f.path!));
        if (!page.nextAfter) return out;
        afterPath = page.nextAfter;
      }
    };
    expect(await walk()).toEqual(['B/0.mov', 'a/1.mov', 'b/1.mov', 'b/2.mov', 'b/sub/3.mov', 'bb/4.mov']);
    expect(await walk('b')).toEqual(['b/1.mov', 'b/2.mov', 'b/sub/3.mov']);
  });
});

async function newObjectStore(clusterId: string, purpose: 'proxy' | 'archive' | 'export'): Promise<string> {
  const id = randomUUID();
  await pool.query(
    `INSERT INTO portico.object_stores (id, cluster_id, name, purpose, endpoint, region, bucket, access_key_id, secret_ref)
     VALUES ($1, $2, $3, $4, 'http://127.0.0.1:9000', 'us-east-1', 'bucket', 'AK', 'env:S3_SECRET')`,
    [id, clusterId, `${purpose}-${id}`, purpose],
  );
  return id;
}
