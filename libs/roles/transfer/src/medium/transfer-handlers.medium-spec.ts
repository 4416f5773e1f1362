// The TRANSFER handlers on real services: files on a real storage folder, the harness's S3
// endpoint, PostgreSQL through pgBouncer for the catalog, events and multipart records. Each job
// attempt's fenced effects run in a real transaction.
import { randomUUID } from 'node:crypto';
import { readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { createPool } from '@portico/db';
import {
  InvalidPayloadError,
  parsePayload,
  type transferArchiveJob,
  transferExportJob,
  transferRestoreJob,
  transferUploadJob,
  type JobPayload,
} from '@portico/jobs-contracts';
import { createS3Client, ObjectStoreError } from '@portico/object-store';
import { ArchiveHandler } from '../handlers/archive.handler.provider';
import { ExportHandler } from '../handlers/export.handler.provider';
import { RestoreHandler } from '../handlers/restore.handler.provider';
import { UploadHandler } from '../handlers/upload.handler.provider';
import { TransferConfigError } from '../support/transfer-errors';
import { PathSecurityError } from '@portico/storage';
import { faults, harness, rejectionOf, useTestDatabase } from '@portico/testing';
import { type Pool } from 'pg';

import {
  attempt,
  dispatchedEvent,
  ingestOriginal,
  PART,
  type TransferCluster,
  transferCluster,
  writeStorageFile,
} from './transfer-fixtures';

const db = useTestDatabase();
let pool: Pool;
let cluster: TransferCluster;

beforeAll(async () => {
  pool = createPool(db.url, { max: 8 });
  cluster = await transferCluster(pool, harness());
});

afterAll(async () => {
  cluster.services.stores.close();
  await pool.end();
});

async function objectBytes(bucket: string, key: string): Promise<Buffer> {
  const s3 = harness().s3;
  const client = createS3Client({
    endpoint: s3.endpoint,
    region: s3.region,
    bucket,
    forcePathStyle: true,
    credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
  });
  try {
    const object = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return Buffer.from(await object.Body!.transformToByteArray());
  } finally {
    client.destroy();
  }
}

async function eventOf(id: string) {
  return cluster.events.get(pool, id, cluster.clusterId);
}

/** Archives a fresh original and returns what a restore needs. */
async function archivedOriginal(relative: string, size: number) {
  const file = await writeStorageFile(cluster.root, relative, size);
  const ids = await ingestOriginal(pool, cluster, file);
  const jobId = randomUUID();
  const requestId = await dispatchedEvent(pool, cluster, 'archive', ids, jobId);
  const payload: JobPayload<typeof transferArchiveJob> = {
    requestId,
    ...ids,
    sourcePath: file.path,
    checksum: { algorithm: 'md5', value: file.md5 },
    destination: {
      storageId: cluster.stores.archive.id,
      key: `originals/${ids.assetId}/${path.basename(relative)}`,
    },
  };
  const run = attempt(pool, payload, { jobId });
  const output = await new ArchiveHandler(cluster.services).archive(run.ctx);
  return { file, ids, requestId, payload, output, heartbeats: run.heartbeats };
}

describe('transfer.upload', () => {
  it('uploads an output to the proxy store, verified, and marks its catalog file stored', async () => {
    const original = await writeStorageFile(cluster.root, 'up/clip.mov', 3000);
    const ids = await ingestOriginal(pool, cluster, original);
    const proxy = await writeStorageFile(cluster.root, '.portico/outputs/clip.proxy.mp4', 2 * PART + 77);
    const key = `proxies/${ids.assetId}/proxy.mp4`;
    const pending = await cluster.catalog.addObjectFile(pool, {
      clusterId: cluster.clusterId,
      assetId: ids.assetId,
      formatKind: 'PROXY',
      objectStoreId: cluster.stores.proxy.id,
      objectKey: key,
      size: 0,
      status: 'pending',
    });
    const payload = parsePayload(transferUploadJob, {
      assetId: ids.assetId,
      fileId: pending.file.id,
      sourcePath: proxy.path,
      checksum: { algorithm: 'md5', value: proxy.md5 },
      destination: { storageId: cluster.stores.proxy.id, key },
    });
    const run = attempt(pool, payload);

    const output = await new UploadHandler(cluster.services).upload(run.ctx);

    expect(output).toMatchObject({
      fileId: pending.file.id,
      key: `proxy/${key}`,
      size: proxy.size,
      outcome: 'uploaded',
    });
    expect(output.partsSent).toBe(3);
    expect((await objectBytes(cluster.stores.proxy.bucket, `proxy/${key}`)).equals(proxy.content)).toBe(true);
    const stored = await cluster.catalog.getFile(pool, pending.file.id, cluster.clusterId);
    expect(stored).toMatchObject({ status: 'stored', size: proxy.size, checksums: { md5: proxy.md5 } });
    // Progress reached the heartbeat: bytes, rate, percent, ending at 100 %.
    expect(run.heartbeats.at(-1)).toMatchObject({
      phase: 'upload',
      bytes: proxy.size,
      totalBytes: proxy.size,
      percent: 100,
    });
    expect(run.heartbeats.at(-1)).toHaveProperty('bytesPerSecond');

    // A retry of a finished upload sends nothing and records the same file.
    const again = await new UploadHandler(cluster.services).upload(attempt(pool, payload).ctx);
    expect(again).toMatchObject({ outcome: 'already-present', partsSent: 0 });
    const { rows } = await pool.query('SELECT count(*)::int AS n FROM portico.files WHERE object_key = $1', [
      key,
    ]);
    expect(rows[0]).toEqual({ n: 1 });
  });

  it('makes the asset ready with the upload of its last planned output, also when two finish at once', async () => {
    const original = await writeStorageFile(cluster.root, 'up/ready.mov', 500);
    const ids = await ingestOriginal(pool, cluster, original);
    // As the CHECKSUM role plans a video's outputs, and the TRANSCODE role records them pending.
    await cluster.catalog.expectOutputs(pool, cluster.clusterId, ids.assetId, [
      'PROXY',
      'KEYFRAMES',
      'POSTER',
    ]);
    const upload = async (formatKind: 'PROXY' | 'KEYFRAMES' | 'POSTER', name: string, size: number) => {
      const output = await writeStorageFile(cluster.root, `.portico/outputs/ready/${name}`, size);
      const key = `outputs/${ids.assetId}/${name}`;
      const pending = await cluster.catalog.addObjectFile(pool, {
        clusterId: cluster.clusterId,
        assetId: ids.assetId,
        formatKind,
        objectStoreId: cluster.stores.proxy.id,
        objectKey: key,
        size,
        checksums: { md5: output.md5 },
        status: 'pending',
      });
      const payload = parsePayload(transferUploadJob, {
        ...ids,
        fileId: pending.file.id,
        sourcePath: output.path,
        checksum: { algorithm: 'md5', value: output.md5 },
        destination: { storageId: cluster.stores.proxy.id, key },
      });
      return () => new UploadHandler(cluster.services).upload(attempt(pool, payload).ctx);
    };
    const proxy = await upload('PROXY', 'proxy.mp4', 3000);
    const keyframe = await upload('KEYFRAMES', 'keyframes/keyframe-00001.jpg', 700);
    const poster = await upload('POSTER', 'poster.jpg', 900);
    const statusOf = async () => (await cluster.catalog.getAsset(pool, ids.assetId))!.asset.status;

    expect(await proxy()).toMatchObject({ outcome: 'uploaded', assetReady: false });
    expect(await statusOf()).toBe('checksummed');
    // The last two at once: whichever records second sees both stored.
    const last = await Promise.all([keyframe(), poster()]);
    expect(last.map((output) => output.outcome)).toEqual(['uploaded', 'uploaded']);
    expect(last.some((output) => output.assetReady)).toBe(true);
    expect(await statusOf()).toBe('ready');
    // A retried upload of an output of a ready asset leaves it ready.
    expect(await poster()).toMatchObject({ outcome: 'already-present', assetReady: true });
  });

  it('resumes after the S3 endpoint stopped mid-upload, sending only the missing parts', async () => {
    const original = await writeStorageFile(cluster.root, 'up/long.mov', 100);
    const ids = await ingestOriginal(pool, cluster, original);
    const proxy = await writeStorageFile(cluster.root, '.portico/outputs/long.proxy.mp4', 12 * PART + 5);
    const key = `proxies/${ids.assetId}/long.mp4`;
    const pending = await cluster.catalog.addObjectFile(pool, {
      clusterId: cluster.clusterId,
      assetId: ids.assetId,
      formatKind: 'PROXY',
      objectStoreId: cluster.stores.proxy.id,
      objectKey: key,
      size: 0,
      status: 'pending',
    });
    const payload = parsePayload(transferUploadJob, {
      assetId: ids.assetId,
      fileId: pending.file.id,
      sourcePath: proxy.path,
      checksum: { algorithm: 'md5', value: proxy.md5 },
      destination: { storageId: cluster.stores.proxy.id, key },
    });
    const first = attempt(pool, payload);
    let stopping: Promise<void> | undefined;
    const failure = await rejectionOf(
      new UploadHandler(cluster.services).upload({
        ...first.ctx,
        heartbeat: (progress) => {
          if (!stopping && (progress as { bytes: number }).bytes >= 3 * PART) stopping = faults.s3.stop();
          return first.ctx.heartbeat(progress);
        },
      }),
      ObjectStoreError,
    ).finally(async () => {
      await stopping;
      await faults.s3.start();
    });
    expect(stopping).toBeDefined();
    expect(failure.permanent).toBe(false);
    expect((await cluster.catalog.getFile(pool, pending.file.id))?.status).toBe('pending');

    const second = await new UploadHandler(cluster.services).upload(
      attempt(pool, payload, { attempt: 1 }).ctx,
    );

    expect(second.outcome).toBe('uploaded');
    expect(second.partsReused).toBeGreaterThanOrEqual(3);
    expect(second.partsSent).toBe(13 - second.partsReused);
    expect(second.partsSent).toBeLessThan(13);
    expect((await objectBytes(cluster.stores.proxy.bucket, `proxy/${key}`)).equals(proxy.content)).toBe(true);
    expect((await cluster.catalog.getFile(pool, pending.file.id))?.status).toBe('stored');
  });

  it('fails permanently on refused credentials, with a clear message and no secret', async () => {
    const secret = 'wrong-secret-value-0123456789';
    const broken = {
      ...cluster.stores.proxy,
      id: randomUUID(),
      accessKeyId: 'NOT-A-KEY',
      secretAccessKey: secret,
    };
    await pool.query(
      `INSERT INTO portico.object_stores (id, cluster_id, name, purpose, endpoint, region, bucket, access_key_id, secret_ref)
       SELECT $1, cluster_id, 'broken', 'export', endpoint, region, bucket, 'NOT-A-KEY', 'env:X' FROM portico.object_stores WHERE id = $2`,
      [broken.id, cluster.stores.proxy.id],
    );
    cluster.view.view = {
      ...cluster.view.view,
      objectStores: [...cluster.view.view.objectStores, broken],
      version: randomUUID(),
    };
    const original = await writeStorageFile(cluster.root, 'up/secret.mov', 100);
    const ids = await ingestOriginal(pool, cluster, original);
    const payload = parsePayload(transferUploadJob, {
      ...ids,
      sourcePath: original.path,
      checksum: { algorithm: 'md5', value: original.md5 },
      destination: { storageId: broken.id, key: 'proxies/secret.mp4' },
    });

    const error = await rejectionOf(
      new UploadHandler(cluster.services).upload(attempt(pool, payload).ctx),
      ObjectStoreError,
    );

    expect(error).toMatchObject({ kind: 'auth', permanent: true });
    expect(error.message).toContain(broken.bucket);
    expect(error.message).not.toContain(secret);
    expect(JSON.stringify(error)).not.toContain(secret);
  });

  it('refuses a store of another purpose or one the cluster does not have, permanently', async () => {
    const original = await writeStorageFile(cluster.root, 'up/purpose.mov', 100);
    const ids = await ingestOriginal(pool, cluster, original);
    const base = {
      ...ids,
      sourcePath: original.path,
      checksum: { algorithm: 'md5' as const, value: original.md5 },
    };
    const wrong = await rejectionOf(
      new UploadHandler(cluster.services).upload(
        attempt(pool, { ...base, destination: { storageId: cluster.stores.archive.id, key: 'x' } }).ctx,
      ),
      TransferConfigError,
    );
    expect(wrong.permanent).toBe(true);
    expect(wrong.message).toMatch(/archive store; this transfer needs a proxy store/);
    const fetches = cluster.view.fetches;
    const unknown = await rejectionOf(
      new UploadHandler(cluster.services).upload(
        attempt(pool, { ...base, destination: { storageId: randomUUID(), key: 'x' } }).ctx,
      ),
      TransferConfigError,
    );
    expect(unknown.message).toMatch(/not one of this cluster's object stores/);
    // An unknown id makes the node ask the control plane again before giving up.
    expect(cluster.view.fetches).toBeGreaterThan(fetches);
  });
});

describe('transfer.archive + transfer.restore', () => {
  it('round-trips an original: archived and recorded, deleted, restored identical, events done', async () => {
    const archived = await archivedOriginal('round/trip.mov', 2 * PART + 1234);
    expect(archived.output).toMatchObject({ outcome: 'uploaded', size: archived.file.size });
    expect((await eventOf(archived.requestId))?.state).toBe('done');
    const copy = await cluster.catalog.getFile(pool, archived.output.archivedFileId, cluster.clusterId);
    expect(copy).toMatchObject({
      assetId: archived.ids.assetId,
      formatKind: 'ORIGINAL',
      location: 'object_store',
      objectStoreId: cluster.stores.archive.id,
      objectKey: archived.payload.destination.key,
      status: 'stored',
      checksums: { md5: archived.file.md5 },
    });
    expect(archived.heartbeats.at(-1)).toMatchObject({ phase: 'archive', percent: 100 });

    await rm(archived.file.absolute);
    await cluster.catalog.markRemoved(pool, cluster.clusterId, [archived.ids.fileId]);
    const jobId = randomUUID();
    const requestId = await dispatchedEvent(pool, cluster, 'restore', archived.ids, jobId);
    const payload = parsePayload(transferRestoreJob, {
      requestId,
      ...archived.ids,
      source: { storageId: cluster.stores.archive.id, key: archived.payload.destination.key },
      targetPath: archived.file.path,
      checksum: { algorithm: 'md5', value: archived.file.md5 },
    });

    const restored = await new RestoreHandler(cluster.services).restore(
      attempt(pool, payload, { jobId }).ctx,
    );

    expect(restored).toMatchObject({
      outcome: 'downloaded',
      size: archived.file.size,
      path: archived.file.path,
    });
    expect((await readFile(archived.file.absolute)).equals(archived.file.content)).toBe(true);
    expect((await eventOf(requestId))?.state).toBe('done');
    const file = await cluster.catalog.getFile(pool, restored.restoredFileId, cluster.clusterId);
    const info = await stat(archived.file.absolute);
    expect(file).toMatchObject({
      assetId: archived.ids.assetId,
      location: 'storage',
      path: archived.file.path,
      size: archived.file.size,
      removed: false,
      checksums: { md5: archived.file.md5 },
    });
    expect(file?.mtime?.getTime()).toBe(Math.floor(info.mtimeMs));
    const asset = await cluster.catalog.getAsset(pool, archived.ids.assetId, cluster.clusterId);
    expect(asset?.asset.removed).toBe(false);

    // A second run finds the identical file: nothing transferred, nothing new recorded.
    const again = await new RestoreHandler(cluster.services).restore(attempt(pool, payload, { jobId }).ctx);
    expect(again).toMatchObject({ outcome: 'already-present', restoredFileId: restored.restoredFileId });
  });

  it('refuses to restore onto a different file: untouched, permanent, event failed with the reason', async () => {
    const archived = await archivedOriginal('clash/take1.mov', 4000);
    const different = Buffer.from('someone else’s work, not to be overwritten');
    await writeFile(archived.file.absolute, different);
    const jobId = randomUUID();
    const requestId = await dispatchedEvent(pool, cluster, 'restore', archived.ids, jobId);
    const payload = parsePayload(transferRestoreJob, {
      requestId,
      ...archived.ids,
      source: { storageId: cluster.stores.archive.id, key: archived.payload.destination.key },
      targetPath: archived.file.path,
      checksum: { algorithm: 'md5', value: archived.file.md5 },
    });

    const error = await rejectionOf(
      new RestoreHandler(cluster.services).restore(attempt(pool, payload, { jobId }).ctx),
      ObjectStoreError,
    );

    expect(error).toMatchObject({ kind: 'target-exists', permanent: true });
    expect(error.message).toContain(archived.file.absolute);
    expect((await readFile(archived.file.absolute)).equals(different)).toBe(true);
    const event = await eventOf(requestId);
    expect(event?.state).toBe('failed');
    expect(event?.reason).toContain(jobId);
    expect(event?.reason).toContain(error.message);
  });

  it('leaves the event running on a retryable failure, and fails it on the last attempt', async () => {
    const archived = await archivedOriginal('retry/gone.mov', 500);
    const jobId = randomUUID();
    const requestId = await dispatchedEvent(pool, cluster, 'restore', archived.ids, jobId);
    const payload = parsePayload(transferRestoreJob, {
      requestId,
      ...archived.ids,
      source: { storageId: cluster.stores.archive.id, key: archived.payload.destination.key },
      targetPath: 'retry/restored.mov',
      checksum: { algorithm: 'md5', value: archived.file.md5 },
    });
    const handler = new RestoreHandler(cluster.services);
    const stopped = faults.s3.stop();
    try {
      await stopped;
      await rejectionOf(handler.restore(attempt(pool, payload, { jobId }).ctx), ObjectStoreError);
      expect((await eventOf(requestId))?.state).toBe('running');
      const last = await rejectionOf(
        handler.restore(attempt(pool, payload, { jobId, attempt: transferRestoreJob.retry.limit }).ctx),
        ObjectStoreError,
      );
      expect(last.permanent).toBe(false);
    } finally {
      await faults.s3.start();
    }
    expect(await eventOf(requestId)).toMatchObject({ state: 'failed' });
  });
});

describe('paths stay inside the storage root', () => {
  it('rejects "../" in a payload at the schema', () => {
    const base = {
      requestId: randomUUID(),
      assetId: randomUUID(),
      fileId: randomUUID(),
      source: { storageId: randomUUID(), key: 'k' },
      checksum: { algorithm: 'md5', value: 'a'.repeat(32) },
    };
    expect(() => parsePayload(transferRestoreJob, { ...base, targetPath: '../x' })).toThrow(
      InvalidPayloadError,
    );
    expect(() => parsePayload(transferRestoreJob, { ...base, targetPath: 'a/../../x' })).toThrow(
      InvalidPayloadError,
    );
    expect(() => parsePayload(transferRestoreJob, { ...base, targetPath: '/etc/passwd' })).toThrow(
      InvalidPayloadError,
    );
    expect(parsePayload(transferRestoreJob, { ...base, targetPath: 'a/x' }).targetPath).toBe('a/x');
  });

  it('refuses a symlink escaping the root, for an upload source and a restore target', async () => {
    const secretFile = await writeStorageFile(cluster.outside, 'private.mov', 256);
    await symlink(cluster.outside, path.join(cluster.root, 'escape'));
    const original = await writeStorageFile(cluster.root, 'sec/clip.mov', 100);
    const ids = await ingestOriginal(pool, cluster, original);

    const upload = await rejectionOf(
      new UploadHandler(cluster.services).upload(
        attempt(pool, {
          ...ids,
          sourcePath: 'escape/private.mov',
          checksum: { algorithm: 'md5' as const, value: secretFile.md5 },
          destination: { storageId: cluster.stores.proxy.id, key: 'proxies/leak.mov' },
        }).ctx,
      ),
      PathSecurityError,
    );
    expect(upload.permanent).toBe(true);
    expect(upload.message).toContain('escape/private.mov');

    const archived = await archivedOriginal('sec/archived.mov', 300);
    const jobId = randomUUID();
    const requestId = await dispatchedEvent(pool, cluster, 'restore', archived.ids, jobId);
    const restore = await rejectionOf(
      new RestoreHandler(cluster.services).restore(
        attempt(
          pool,
          {
            requestId,
            ...archived.ids,
            source: { storageId: cluster.stores.archive.id, key: archived.payload.destination.key },
            targetPath: 'escape/planted.mov',
            checksum: { algorithm: 'md5' as const, value: archived.file.md5 },
          },
          { jobId },
        ).ctx,
      ),
      PathSecurityError,
    );
    expect(restore.permanent).toBe(true);
    await expect(stat(path.join(cluster.outside, 'planted.mov'))).rejects.toThrow(/ENOENT/);
    expect(await eventOf(requestId)).toMatchObject({ state: 'failed' });
  });
});

describe('transfer.export', () => {
  it('exports the original, and a profile output copied from the proxy store', async () => {
    const archived = await archivedOriginal('exp/film.mov', PART + 10);
    const jobId = randomUUID();
    const requestId = await dispatchedEvent(pool, cluster, 'export', archived.ids, jobId);
    const payload = parsePayload(transferExportJob, {
      requestId,
      ...archived.ids,
      sourcePath: archived.file.path,
      destination: { storageId: cluster.stores.export.id, key: 'delivery/film.mov' },
    });
    const output = await new ExportHandler(cluster.services).export(attempt(pool, payload, { jobId }).ctx);
    expect(output).toMatchObject({ source: 'original', outcome: 'uploaded', size: archived.file.size });
    expect(
      (await objectBytes(cluster.stores.export.bucket, 'export/delivery/film.mov')).equals(
        archived.file.content,
      ),
    ).toBe(true);
    expect((await eventOf(requestId))?.state).toBe('done');

    // The proxy output, uploaded first, then exported from the proxy store.
    const proxy = await writeStorageFile(cluster.root, '.portico/outputs/film.proxy.mp4', 1000);
    const key = `proxies/${archived.ids.assetId}/proxy.mp4`;
    const pending = await cluster.catalog.addObjectFile(pool, {
      clusterId: cluster.clusterId,
      assetId: archived.ids.assetId,
      formatKind: 'PROXY',
      objectStoreId: cluster.stores.proxy.id,
      objectKey: key,
      size: 0,
      status: 'pending',
    });
    await new UploadHandler(cluster.services).upload(
      attempt(pool, {
        assetId: archived.ids.assetId,
        fileId: pending.file.id,
        sourcePath: proxy.path,
        checksum: { algorithm: 'md5' as const, value: proxy.md5 },
        destination: { storageId: cluster.stores.proxy.id, key },
      }).ctx,
    );
    await rm(proxy.absolute);
    const proxyJob = randomUUID();
    const proxyRequest = await dispatchedEvent(pool, cluster, 'export', archived.ids, proxyJob);
    const proxyOutput = await new ExportHandler(cluster.services).export(
      attempt(
        pool,
        parsePayload(transferExportJob, {
          requestId: proxyRequest,
          ...archived.ids,
          sourcePath: archived.file.path,
          profile: 'proxy',
          destination: { storageId: cluster.stores.export.id, key: 'delivery/film.proxy.mp4' },
        }),
        { jobId: proxyJob },
      ).ctx,
    );
    expect(proxyOutput).toMatchObject({ source: 'proxy', size: proxy.size });
    expect(
      (await objectBytes(cluster.stores.export.bucket, 'export/delivery/film.proxy.mp4')).equals(
        proxy.content,
      ),
    ).toBe(true);
    expect((await eventOf(proxyRequest))?.state).toBe('done');
  });
});
