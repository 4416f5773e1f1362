// (Helpers of the medium specs beside them.) A TRANSCODE node on real services: a storage root of
// real media files made by ffmpeg, real PostgreSQL through pgBouncer for the catalog and pg-boss,
// the real job consumer running the handler. The proxy store is a row of the cluster; what the
// control plane would answer about it is a fixed locator.
import { execFile } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { CatalogRepository } from '@portico/catalog';
import { createBoss, type PgBoss } from '@portico/db';
import { queueName, transcodeAssetJob, transferUploadJob, type JobPayload } from '@portico/jobs-contracts';
import {
  type ConsumerObserver,
  ensureQueues,
  JobAdmin,
  JobConsumer,
  JobProducer,
  KeyedSemaphores,
  PgLeaseStore,
} from '@portico/jobs-runtime';
import { FfmpegMediaTool, type FfmpegJob, type RunOptions, type RunResult } from '@portico/media';
import { DEFAULT_TRANSCODE_PROFILES } from '@portico/settings';
import { FsStoragePaths, NodeFileHasher } from '@portico/storage';
import { type Pool } from 'pg';

import { TranscodeHandler } from '../handlers/transcode.handler.provider';
import { ProxyStoreLocator } from '../stores/proxy-store-locator';
import { NodeOutputFiles } from '../support/output-files.adapter';
import { TranscodeServices } from '../support/transcode-services';

const exec = promisify(execFile);
const T0 = new Date('2024-01-01T00:00:00.000Z');

/** The real ffmpeg adapter, counting the ffmpeg runs it starts (to prove none was needed). */
export class CountingMediaTool extends FfmpegMediaTool {
  runs: FfmpegJob['name'][] = [];

  override run(job: FfmpegJob, input: string, output: string, options?: RunOptions): Promise<RunResult> {
    this.runs.push(job.name);
    return super.run(job, input, output, options);
  }
}

class FixedProxyStore extends ProxyStoreLocator {
  constructor(private readonly id: string | undefined) {
    super();
  }
  proxyStoreId(): Promise<string | undefined> {
    return Promise.resolve(this.id);
  }
}

export interface TranscodeNode {
  readonly clusterId: string;
  readonly storageId: string;
  readonly proxyStoreId: string;
  readonly root: string;
  readonly media: CountingMediaTool;
  readonly catalog: CatalogRepository;
  readonly boss: PgBoss;
  readonly producer: JobProducer;
  readonly admin: JobAdmin;
  /** Starts a real consumer of transcode.asset running the handler; stopped by `close`. */
  startConsumer(observer?: ConsumerObserver): JobConsumer<typeof transcodeAssetJob>;
  close(): Promise<void>;
}

export async function transcodeNode(pool: Pool, databaseUrl: string, tmpDir: string): Promise<TranscodeNode> {
  const clusterId = randomUUID();
  const storageId = randomUUID();
  const proxyStoreId = randomUUID();
  await pool.query('INSERT INTO portico.clusters (id, name) VALUES ($1, $2)', [clusterId, `t-${clusterId}`]);
  await pool.query('INSERT INTO portico.storages (id, cluster_id, name) VALUES ($1, $2, $3)', [
    storageId,
    clusterId,
    'nas',
  ]);
  await pool.query(
    `INSERT INTO portico.object_stores (id, cluster_id, name, purpose, endpoint, region, bucket, path_style, access_key_id, secret_ref)
     VALUES ($1, $2, 'proxies', 'proxy', 'http://127.0.0.1:1', 'us-east-1', 'proxies', true, 'KEY', 'env:UNUSED')`,
    [proxyStoreId, clusterId],
  );
  const boss = createBoss(databaseUrl, {
    supervise: false,
    schedule: false,
    max: 6,
    application_name: 'transcode-spec',
  });
  boss.on('error', () => undefined);
  await boss.start();
  await ensureQueues(boss, clusterId, [transcodeAssetJob, transferUploadJob]);
  const producer = new JobProducer(boss);
  const store = new PgLeaseStore(pool, boss);
  const root = path.join(await mkdtemp(path.join(tmpDir, 'transcode-')), 'nas');
  await mkdir(root);
  const media = new CountingMediaTool();
  const handler = new TranscodeHandler(
    new TranscodeServices({
      clusterId,
      paths: new FsStoragePaths(root),
      media,
      hasher: new NodeFileHasher(),
      outputs: new NodeOutputFiles(),
      proxyStore: new FixedProxyStore(proxyStoreId),
      producer,
      profiles: () => DEFAULT_TRANSCODE_PROFILES,
      slots: new KeyedSemaphores(() => 1),
      logger: { info: () => undefined, warn: () => undefined },
      progressIntervalMs: 0,
    }),
  );
  const consumers: Array<JobConsumer<typeof transcodeAssetJob>> = [];
  return {
    clusterId,
    storageId,
    proxyStoreId,
    root,
    media,
    catalog: new CatalogRepository(),
    boss,
    producer,
    admin: new JobAdmin(pool, boss),
    startConsumer(observer) {
      const consumer = new JobConsumer({
        store,
        def: transcodeAssetJob,
        worker: { clusterId, workerId: randomUUID(), nodeId: randomUUID() },
        handler: (ctx) => handler.transcode(ctx),
        visibilitySeconds: 30,
        concurrency: 3,
        pollIntervalMs: 100,
        ...(observer ? { observer } : {}),
      });
      consumer.start();
      consumers.push(consumer);
      return consumer;
    },
    async close() {
      for (const consumer of consumers) await consumer.stop({ graceMs: 0 });
      await boss.stop({ graceful: false, timeout: 5_000 });
    },
  };
}

/** Makes a media file with ffmpeg's lavfi sources at a storage-relative path. */
export async function makeMedia(root: string, relative: string, args: string[]): Promise<string> {
  const absolute = path.join(root, relative);
  await mkdir(path.dirname(absolute), { recursive: true });
  await exec('ffmpeg', ['-hide_banner', '-nostdin', '-loglevel', 'error', ...args, '-y', absolute]);
  return absolute;
}

/** A short clip: picture and tone, small, H.264 + AAC. */
export function clipArgs(seconds: number, size = '320x240'): string[] {
  return [
    '-f',
    'lavfi',
    '-i',
    `testsrc2=size=${size}:rate=25:duration=${seconds}`,
    '-f',
    'lavfi',
    '-i',
    `sine=frequency=440:duration=${seconds}`,
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    '-pix_fmt',
    'yuv420p',
    '-c:a',
    'aac',
    '-shortest',
  ];
}

/** Catalogs a file as the scan and checksum role would: an asset, its original, its md5. */
export async function ingestOriginal(pool: Pool, node: TranscodeNode, relative: string) {
  const absolute = path.join(node.root, relative);
  const content = await readFile(absolute);
  const md5 = createHash('md5').update(content).digest('hex');
  const [ingested] = await node.catalog.ingestMany(pool, node.clusterId, node.storageId, [
    { path: relative, size: content.length, mtime: T0 },
  ]);
  await node.catalog.recordChecksums(pool, {
    clusterId: node.clusterId,
    fileId: ingested!.fileId,
    checksums: { md5 },
  });
  return { fileId: ingested!.fileId, assetId: ingested!.assetId, md5, path: relative };
}

export type TranscodePayload = JobPayload<typeof transcodeAssetJob>;

export function payloadFor(
  original: { fileId: string; assetId: string; md5: string; path: string },
  profile: string,
): TranscodePayload {
  return {
    assetId: original.assetId,
    fileId: original.fileId,
    sourcePath: original.path,
    checksum: { algorithm: 'md5', value: original.md5 },
    profile,
  };
}

/** Jobs stored in a queue of the cluster (any state). */
export async function jobsIn(
  pool: Pool,
  clusterId: string,
  jobName: string,
): Promise<Array<{ id: string; data: unknown }>> {
  const { rows } = await pool.query<{ id: string; data: unknown }>(
    'SELECT id, data FROM pgboss.job WHERE name = $1 ORDER BY created_on',
    [queueName(clusterId, jobName)],
  );
  return rows;
}
