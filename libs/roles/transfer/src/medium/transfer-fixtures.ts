// (Helpers of the medium specs beside them: the harness's S3 endpoint and folder are passed in.)
// A TRANSFER node's services on real services for the medium tests: a storage root of real files,
// real buckets on the harness's S3 endpoint, real PostgreSQL through pgBouncer for the catalog,
// events and multipart records. The storage view — what the control plane would answer to GET
// /nodes/me/storage — is built from the same object stores that are inserted in the database.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { CatalogRepository, EventsRepository, type EventKind } from '@portico/catalog';
import {
  type NodeObjectStore,
  type NodeStorageView,
  type ObjectStorePurpose,
  StorageViewCache,
} from '@portico/control-plane-client';
import { inTransaction } from '@portico/db';
import { type JobContext, LiveSemaphore } from '@portico/jobs-runtime';
import { createS3Client, MIB, MultipartStateRepository, S3ObjectStoreFactory } from '@portico/object-store';
import { TransferStores } from '../stores/transfer-stores';
import { NodeLocalFiles } from '../support/local-files.adapter';
import { TransferServices } from '../support/transfer-services';
import { FsStoragePaths } from '@portico/storage';
import { type Pool } from 'pg';

export const PART = 5 * MIB;
const T0 = new Date('2024-01-01T00:00:00.000Z');

/** The control plane's answer, from a list the test controls (a store can be added or broken). */
export class TestStorageView {
  fetches = 0;
  constructor(public view: NodeStorageView) {}
  fetch(version?: string): Promise<NodeStorageView | undefined> {
    this.fetches += 1;
    return Promise.resolve(version === this.view.version ? undefined : this.view);
  }
}

export interface TransferCluster {
  readonly clusterId: string;
  readonly storageId: string;
  readonly root: string;
  readonly outside: string;
  readonly stores: Record<ObjectStorePurpose, NodeObjectStore>;
  readonly view: TestStorageView;
  readonly services: TransferServices;
  readonly catalog: CatalogRepository;
  readonly events: EventsRepository;
}

export interface TestServices {
  readonly s3: { endpoint: string; region: string; accessKeyId: string; secretAccessKey: string };
  readonly tmpDir: string;
}

const silent = { info: () => undefined, warn: () => undefined };

async function insertStore(
  pool: Pool,
  s3: TestServices['s3'],
  clusterId: string,
  purpose: ObjectStorePurpose,
  bucket: string,
) {
  const id = randomUUID();
  await pool.query(
    `INSERT INTO portico.object_stores (id, cluster_id, name, purpose, endpoint, region, bucket, path_style, access_key_id, secret_ref)
     VALUES ($1, $2, $3, $4, $5, $6, $7, true, $8, 'env:UNUSED')`,
    [id, clusterId, `${purpose}-${id}`, purpose, s3.endpoint, s3.region, bucket, s3.accessKeyId],
  );
  const now = new Date().toISOString();
  const store: NodeObjectStore = {
    id,
    clusterId,
    name: `${purpose}-${id.slice(0, 8)}`,
    purpose,
    endpoint: s3.endpoint,
    region: s3.region,
    bucket,
    prefix: purpose,
    pathStyle: true,
    accessKeyId: s3.accessKeyId,
    secretAccessKey: s3.secretAccessKey,
    secretAccessKeyRef: null,
    createdAt: now,
    updatedAt: now,
  };
  return store;
}

export async function transferCluster(pool: Pool, services: TestServices): Promise<TransferCluster> {
  const { s3 } = services;
  const clusterId = randomUUID();
  const storageId = randomUUID();
  await pool.query('INSERT INTO portico.clusters (id, name) VALUES ($1, $2)', [clusterId, `t-${clusterId}`]);
  await pool.query('INSERT INTO portico.storages (id, cluster_id, name) VALUES ($1, $2, $3)', [
    storageId,
    clusterId,
    'nas',
  ]);
  const client = createS3Client({
    endpoint: s3.endpoint,
    region: s3.region,
    bucket: 'unused',
    forcePathStyle: true,
    credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
  });
  const bucket = `transfer-${randomBytes(4).toString('hex')}`;
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  client.destroy();
  const stores = {
    proxy: await insertStore(pool, s3, clusterId, 'proxy', bucket),
    archive: await insertStore(pool, s3, clusterId, 'archive', bucket),
    export: await insertStore(pool, s3, clusterId, 'export', bucket),
  };
  const base = await mkdtemp(path.join(services.tmpDir, 'transfer-'));
  const root = path.join(base, 'nas');
  const outside = path.join(base, 'outside');
  await mkdir(root);
  await mkdir(outside);
  await mkdir(path.join(base, 'scratch'));
  const now = new Date().toISOString();
  const view = new TestStorageView({
    storage: {
      id: storageId,
      clusterId,
      name: 'nas',
      mountPoint: root,
      scanDirectories: [],
      ignorePatterns: null,
      growingFilesThresholdSeconds: null,
      deletePolicy: 'storage-only',
      createdAt: now,
      updatedAt: now,
    },
    objectStores: Object.values(stores),
    version: randomUUID(),
  });
  const factory = new S3ObjectStoreFactory({
    clusterId,
    states: new MultipartStateRepository(pool),
    multipartThresholdBytes: PART,
    partSize: { partSize: PART },
    partConcurrency: 2,
    clientOptions: { maxAttempts: 2 },
    progressIntervalMs: 0,
  });
  const transfer = new TransferServices({
    clusterId,
    stores: new TransferStores(
      new StorageViewCache((version) => view.fetch(version), { maxAgeMs: 0 }),
      factory,
      { env: {} },
    ),
    paths: new FsStoragePaths(root),
    files: new NodeLocalFiles(path.join(base, 'scratch')),
    uploadSlots: new LiveSemaphore(() => 2),
    logger: silent,
    progressIntervalMs: 0,
  });
  return {
    clusterId,
    storageId,
    root,
    outside,
    stores,
    view,
    services: transfer,
    catalog: new CatalogRepository(),
    events: new EventsRepository(),
  };
}

export interface StorageFile {
  readonly path: string;
  readonly absolute: string;
  readonly md5: string;
  readonly size: number;
  readonly content: Buffer;
}

/** Writes random content at a storage-relative path. */
export async function writeStorageFile(root: string, relative: string, size: number): Promise<StorageFile> {
  const absolute = path.join(root, relative);
  await mkdir(path.dirname(absolute), { recursive: true });
  const content = randomBytes(size);
  await writeFile(absolute, content);
  return {
    path: relative,
    absolute,
    size,
    content,
    md5: createHash('md5').update(content).digest('hex'),
  };
}

/** Catalogs a file as the scan and checksum role would: an asset, its original, its md5. */
export async function ingestOriginal(pool: Pool, cluster: TransferCluster, file: StorageFile) {
  const [ingested] = await cluster.catalog.ingestMany(pool, cluster.clusterId, cluster.storageId, [
    { path: file.path, size: file.size, mtime: T0 },
  ]);
  await cluster.catalog.recordChecksums(pool, {
    clusterId: cluster.clusterId,
    fileId: ingested!.fileId,
    checksums: { md5: file.md5 },
  });
  return { fileId: ingested!.fileId, assetId: ingested!.assetId };
}

/** An event claimed by a leader and dispatched as one job (`jobId`), as the MAIN role does it. */
export async function dispatchedEvent(
  pool: Pool,
  cluster: TransferCluster,
  kind: EventKind,
  target: { assetId: string; fileId: string },
  jobId: string,
): Promise<string> {
  const event = await cluster.events.create(pool, {
    clusterId: cluster.clusterId,
    kind,
    assetIds: [target.assetId],
    fileIds: [target.fileId],
  });
  const [claimed] = await cluster.events.claimNext(pool, {
    clusterId: cluster.clusterId,
    term: 1,
    nodeId: randomUUID(),
    limit: 1,
  });
  if (claimed?.id !== event.id) throw new Error('expected to claim the event just created');
  await cluster.events.markDispatched(pool, event.id, 1, [jobId]);
  return event.id;
}

export interface TestAttempt<P> {
  readonly ctx: JobContext<P>;
  readonly heartbeats: unknown[];
  readonly controller: AbortController;
}

/** A job attempt whose fenced effects run in a real transaction on the test database. */
export function attempt<P>(
  pool: Pool,
  payload: P,
  options: { jobId?: string; attempt?: number } = {},
): TestAttempt<P> {
  const heartbeats: unknown[] = [];
  const controller = new AbortController();
  const ctx: JobContext<P> = {
    payload,
    attemptId: randomUUID(),
    jobId: options.jobId ?? randomUUID(),
    attempt: options.attempt ?? 0,
    queue: 'test',
    signal: controller.signal,
    heartbeat: (progress) => {
      heartbeats.push(progress);
      return Promise.resolve();
    },
    withAttemptFence: (effect) => inTransaction(pool, effect),
  };
  return { ctx, heartbeats, controller };
}
