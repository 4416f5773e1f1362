// The catalog and events API through the typed client against the built control plane over real
// pgBouncer. The catalog rows are written the way nodes write them: @portico/catalog on the
// shared database.
import { randomUUID } from 'node:crypto';

import { CatalogRepository, EventsRepository } from '@portico/catalog';
import {
  type Cluster,
  ControlPlaneClient,
  ControlPlaneError,
  type Storage,
} from '@portico/control-plane-client';
import { createPool } from '@portico/db';
import {
  type ControlPlaneHandle,
  createNodeIdentity,
  rejectionOf,
  startControlPlane,
  useTestDatabase,
} from '@portico/testing';
import type { Pool } from 'pg';

const db = useTestDatabase();
let server: ControlPlaneHandle;
let admin: ControlPlaneClient;
let pool: Pool;
const catalog = new CatalogRepository();

let cluster: Cluster;
let storage: Storage;
let node: ControlPlaneClient;
const T0 = new Date('2025-05-01T12:00:00.000Z');
const MD5 = '9e107d9d372bb6826bd81d3542a419d6';

beforeAll(async () => {
  server = await startControlPlane({ databaseUrl: db.url, env: { PORTICO_HTTP_HOST: '127.0.0.1' } });
  admin = server.admin;
  pool = createPool(db.url, { max: 3 });
  cluster = await admin.createCluster({ name: 'catalog-house' });
  storage = await admin.createStorage(cluster.id, { name: 'nas' });
  const identity = await createNodeIdentity(admin, cluster.id, 'main-1', ['MAIN']);
  node = new ControlPlaneClient({ baseUrl: server.url, token: identity.token });
});

afterAll(async () => {
  await server?.process.stop();
  await pool?.end();
});

const failure = (promise: Promise<unknown>): Promise<ControlPlaneError> =>
  rejectionOf(promise, ControlPlaneError);

const ingest = (path: string, size = 10) =>
  catalog.ingest(pool, cluster.id, storage.id, { path, size, mtime: T0, inode: 77 });

describe('catalog', () => {
  it('lists assets newest first with a cursor that stays stable while nodes keep ingesting', async () => {
    const listed = await admin.createCluster({ name: 'paging-house' });
    const nas = await admin.createStorage(listed.id, { name: 'nas' });
    const first = await catalog.ingestMany(
      pool,
      listed.id,
      nas.id,
      Array.from({ length: 23 }, (_, n) => ({ path: `page/${n}.mov`, size: 1, mtime: T0 })),
    );
    const seen: string[] = [];
    let cursor: string | undefined;
    let more = 0;
    do {
      const page = await admin.listAssets(listed.id, { limit: 5, cursor });
      seen.push(...page.items.map((a) => a.id));
      cursor = page.nextCursor ?? undefined;
      more += 1;
      await catalog.ingest(pool, listed.id, nas.id, { path: `late/${more}.mov`, size: 1, mtime: T0 });
    } while (cursor);
    expect(seen).toEqual(first.map((r) => r.assetId).reverse());
    const all = await admin.listAssets(listed.id, { limit: 1000 });
    expect(all.items).toHaveLength(23 + more);
    expect(all.nextCursor).toBeNull();
  });

  it('filters assets and files, and gets an asset with its formats and files', async () => {
    const clip = await ingest('Show/Ep 1/clip.mov');
    const song = await ingest('Show/Ep 1/song.wav', 0);
    await ingest('Other/x.jpg');
    await catalog.recordChecksums(pool, {
      clusterId: cluster.id,
      fileId: clip.fileId,
      checksums: { md5: MD5 },
    });
    const proxyStore = await admin.createObjectStore(cluster.id, {
      name: 'proxies',
      purpose: 'proxy',
      endpoint: 'http://127.0.0.1:9000',
      bucket: 'proxies',
      accessKeyId: 'AK',
      secretAccessKeyRef: 'env:PROXY_SECRET',
    });
    const proxy = await catalog.addObjectFile(pool, {
      clusterId: cluster.id,
      assetId: clip.assetId,
      formatKind: 'PROXY',
      objectStoreId: proxyStore.id,
      objectKey: `proxies/${clip.assetId}.mp4`,
      size: 5,
      status: 'stored',
    });

    const show = await admin.listAssets(cluster.id, { pathPrefix: 'Show/' });
    expect(show.items.map((a) => a.name).sort()).toEqual(['clip.mov', 'song.wav']);
    expect((await admin.listAssets(cluster.id, { kind: 'audio' })).items.map((a) => a.id)).toEqual([
      song.assetId,
    ]);
    expect((await admin.listAssets(cluster.id, { status: 'checksummed' })).items.map((a) => a.id)).toEqual([
      clip.assetId,
    ]);
    expect((await admin.listAssets(cluster.id, { removed: true })).items).toEqual([]);
    expect((await admin.listFiles(cluster.id, { kind: 'PROXY' })).items.map((f) => f.id)).toEqual([
      proxy.file.id,
    ]);
    expect((await admin.listFiles(cluster.id, { status: 'empty' })).items.map((f) => f.id)).toEqual([
      song.fileId,
    ]);
    expect(
      (await admin.listFiles(cluster.id, { assetId: clip.assetId, location: 'storage' })).items.map(
        (f) => f.id,
      ),
    ).toEqual([clip.fileId]);

    const detail = await admin.getAsset(clip.assetId);
    expect(detail).toMatchObject({
      id: clip.assetId,
      kind: 'video',
      status: 'checksummed',
      path: 'Show/Ep 1/clip.mov',
    });
    expect(detail.formats.map((f) => [f.kind, f.files.map((file) => file.id)])).toEqual([
      ['ORIGINAL', [clip.fileId]],
      ['PROXY', [proxy.file.id]],
    ]);
    expect(detail.formats[0]?.files[0]).toMatchObject({
      size: 10,
      inode: '77',
      mtime: T0.toISOString(),
      checksums: { md5: MD5 },
    });
    expect(await admin.getFile(proxy.file.id)).toMatchObject({
      location: 'object_store',
      objectStoreId: proxyStore.id,
      objectKey: `proxies/${clip.assetId}.mp4`,
    });
  });

  it('looks files up by path and by checksum', async () => {
    const first = await ingest('lookup/a b.mov');
    await catalog.recordChecksums(pool, {
      clusterId: cluster.id,
      fileId: first.fileId,
      checksums: { md5: MD5 },
    });
    expect((await admin.findFilesByPath(cluster.id, 'lookup/a b.mov')).items.map((f) => f.id)).toEqual([
      first.fileId,
    ]);
    await catalog.markRemoved(pool, cluster.id, [first.fileId]);
    expect((await admin.findFilesByPath(cluster.id, 'lookup/a b.mov')).items).toEqual([]);
    expect(
      (await admin.findFilesByPath(cluster.id, 'lookup/a b.mov', { includeRemoved: true })).items.map(
        (f) => f.id,
      ),
    ).toEqual([first.fileId]);
    const byChecksum = await admin.findFilesByChecksum(cluster.id, {
      algorithm: 'md5',
      value: MD5.toUpperCase(),
    });
    expect(byChecksum.items.map((f) => f.id)).toContain(first.fileId);
    expect(byChecksum.items.every((f) => f.checksums['md5'] === MD5)).toBe(true);
  });

  it('answers 400 naming the field for bad filters, paths, digests and cursors', async () => {
    const fields = async (promise: Promise<unknown>) => {
      const error = await failure(promise);
      expect(error.status).toBe(400);
      return error.body?.fields;
    };
    expect(await fields(admin.listAssets(cluster.id, { status: 'lost' as never, limit: 5000 }))).toEqual([
      { path: 'status', message: expect.any(String) as unknown },
      { path: 'limit', message: expect.any(String) as unknown },
    ]);
    expect(await fields(admin.listAssets(cluster.id, { removed: 'maybe' as never }))).toMatchObject([
      { path: 'removed' },
    ]);
    expect(await fields(admin.listFiles(cluster.id, { cursor: 'abc' }))).toEqual([
      { path: 'cursor', message: 'must be a nextCursor returned by this route' },
    ]);
    expect(await fields(admin.findFilesByPath(cluster.id, '../etc/passwd'))).toEqual([
      { path: 'path', message: 'must not contain "." or ".." segments' },
    ]);
    expect(await fields(admin.findFilesByChecksum(cluster.id, { algorithm: 'md5', value: 'abc' }))).toEqual([
      { path: 'value', message: 'a md5 digest is 32 hex digits' },
    ]);
    expect(
      await fields(admin.findFilesByChecksum(cluster.id, { algorithm: 'crc' as never, value: 'ab' })),
    ).toMatchObject([{ path: 'algorithm' }]);
    expect((await failure(admin.getAsset(randomUUID()))).status).toBe(404);
    expect((await failure(admin.listAssets(randomUUID()))).status).toBe(404);
  });

  it('lets node tokens of the cluster read it, and nobody else', async () => {
    const asset = await ingest('access/a.mov');
    expect((await node.getAsset(asset.assetId)).id).toBe(asset.assetId);
    expect((await node.listFiles(cluster.id, { limit: 1 })).items).toHaveLength(1);

    const other = await admin.createCluster({ name: 'other-catalog-house' });
    const stranger = await createNodeIdentity(admin, other.id, 'main-9', ['MAIN']);
    const strangerClient = new ControlPlaneClient({ baseUrl: server.url, token: stranger.token });
    expect((await failure(strangerClient.getAsset(asset.assetId))).status).toBe(403);
    expect((await failure(strangerClient.getFile(asset.fileId))).status).toBe(403);
    expect((await failure(strangerClient.listAssets(cluster.id))).status).toBe(403);
    // Unknown ids look the same as other clusters' ids to a node: 403, never 404.
    expect((await failure(strangerClient.getAsset(randomUUID()))).status).toBe(403);
    const join = await admin.createToken({ kind: 'join', clusterId: cluster.id });
    expect(
      (
        await failure(
          new ControlPlaneClient({ baseUrl: server.url, token: join.token }).listAssets(cluster.id),
        )
      ).status,
    ).toBe(403);
    expect(
      (await failure(new ControlPlaneClient({ baseUrl: server.url }).getAsset(asset.assetId))).status,
    ).toBe(401);
  });
});

describe('events', () => {
  it('queues an event whose targets are in the cluster, and shows it to the cluster', async () => {
    const a = await ingest('events/a.mov');
    const event = await admin.createEvent(cluster.id, {
      kind: 'transcode',
      assetIds: [a.assetId],
      parameters: { profiles: ['proxy'] },
    });
    expect(event).toMatchObject({
      clusterId: cluster.id,
      kind: 'transcode',
      assetIds: [a.assetId],
      fileIds: [],
      parameters: { profiles: ['proxy'] },
      state: 'queued',
      claimedTerm: null,
      pendingJobs: null,
      createdBy: 'admin',
    });
    expect(await node.getEvent(event.id)).toEqual(event);
    const rescan = await admin.createEvent(cluster.id, {
      kind: 'rescan',
      parameters: { directory: 'events' },
    });

    // The leader's progress shows through the API.
    const events = new EventsRepository();
    const [claimed] = await events.claimNext(pool, {
      clusterId: cluster.id,
      term: 4,
      nodeId: randomUUID(),
      limit: 1,
    });
    expect(claimed?.id).toBe(event.id);
    await events.markDispatched(pool, event.id, 4, [randomUUID(), randomUUID()]);
    expect(await admin.getEvent(event.id)).toMatchObject({
      state: 'running',
      claimedTerm: 4,
      pendingJobs: 2,
    });

    expect((await admin.listEvents(cluster.id, { state: 'running' })).items.map((e) => e.id)).toEqual([
      event.id,
    ]);
    expect((await admin.listEvents(cluster.id, { state: 'queued' })).items.map((e) => e.id)).toEqual([
      rescan.id,
    ]);
    const page1 = await node.listEvents(cluster.id, { limit: 1 });
    expect(page1.items.map((e) => e.id)).toEqual([rescan.id]);
    const page2 = await node.listEvents(cluster.id, { limit: 1, cursor: page1.nextCursor! });
    expect(page2.items.map((e) => e.id)).toEqual([event.id]);
  });

  it('refuses targets outside the cluster and bad parameters with 400, naming the fields', async () => {
    const a = await ingest('events/b.mov');
    const elsewhere = await admin.createCluster({ name: 'elsewhere-house' });
    const nas = await admin.createStorage(elsewhere.id, { name: 'nas' });
    const foreign = await catalog.ingest(pool, elsewhere.id, nas.id, { path: 'f.mov', size: 1, mtime: T0 });

    const missing = await failure(
      admin.createEvent(cluster.id, {
        kind: 'transcode',
        assetIds: [a.assetId, foreign.assetId],
        fileIds: [randomUUID()],
      }),
    );
    expect(missing.status).toBe(400);
    expect(missing.body?.fields).toEqual([
      { path: 'assetIds.1', message: `asset ${foreign.assetId} is not in this cluster's catalog` },
      { path: 'fileIds.0', message: expect.stringMatching(/is not in this cluster's catalog/) as unknown },
    ]);
    const noTargets = await failure(admin.createEvent(cluster.id, { kind: 'delete' }));
    expect(noTargets.body?.fields).toEqual([
      { path: 'assetIds', message: 'an event of kind delete needs assetIds or fileIds' },
    ]);
    const unknownParameter = await failure(
      admin.createEvent(cluster.id, {
        kind: 'archive',
        assetIds: [a.assetId],
        parameters: { now: true } as never,
      }),
    );
    expect(unknownParameter.body?.fields?.[0]?.path).toBe('parameters');
    const badKind = await failure(
      admin.createEvent(cluster.id, { kind: 'shred', assetIds: [a.assetId] } as never),
    );
    expect(badKind.body?.fields?.[0]?.path).toBe('kind');

    const proxy = (await admin.listObjectStores(cluster.id)).items.find((s) => s.purpose === 'proxy')!;
    const wrongStore = await failure(
      admin.createEvent(cluster.id, {
        kind: 'export',
        assetIds: [a.assetId],
        parameters: { objectStoreId: proxy.id },
      }),
    );
    expect(wrongStore.body?.fields).toEqual([
      { path: 'parameters.objectStoreId', message: expect.stringMatching(/is a proxy store/) as unknown },
    ]);
  });

  it('answers 409 when the cluster cannot do it yet, and queues it once it can', async () => {
    const a = await ingest('events/c.mov');
    const noArchive = await failure(
      admin.createEvent(cluster.id, { kind: 'archive', assetIds: [a.assetId] }),
    );
    expect(noArchive.status).toBe(409);
    expect(noArchive.body?.message).toMatch(/no archive store.*purpose archive/);
    await admin.createObjectStore(cluster.id, {
      name: 'vault',
      purpose: 'archive',
      endpoint: 'https://s3.example.com',
      bucket: 'vault',
      accessKeyId: 'AK',
      secretAccessKeyRef: 'env:VAULT',
    });
    expect((await admin.createEvent(cluster.id, { kind: 'archive', fileIds: [a.fileId] })).state).toBe(
      'queued',
    );

    await admin.updateStorage(storage.id, { deletePolicy: 'forbid' });
    const forbidden = await failure(admin.createEvent(cluster.id, { kind: 'delete', assetIds: [a.assetId] }));
    expect(forbidden.status).toBe(409);
    expect(forbidden.body?.message).toMatch(/delete policy is forbid/);
    await admin.updateStorage(storage.id, { deletePolicy: 'everywhere' });
    expect((await admin.createEvent(cluster.id, { kind: 'delete', assetIds: [a.assetId] })).state).toBe(
      'queued',
    );
  });

  it('lets only admins request events; nodes read their own cluster’s only', async () => {
    const a = await ingest('events/d.mov');
    expect(
      (await failure(node.createEvent(cluster.id, { kind: 'transcode', assetIds: [a.assetId] }))).status,
    ).toBe(403);
    const other = await admin.createCluster({ name: 'events-other' });
    expect((await failure(node.listEvents(other.id))).status).toBe(403);
    expect((await failure(admin.createEvent(randomUUID(), { kind: 'rescan' }))).status).toBe(404);
    expect((await failure(admin.getEvent(randomUUID()))).status).toBe(404);
    expect((await failure(admin.listEvents(cluster.id, { state: 'lost' as never }))).status).toBe(400);
  });
});
