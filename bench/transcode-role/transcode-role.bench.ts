// The TRANSCODE role's handler end to end on one video (probe, the three profiles, md5 of each
// output, catalog rows and upload jobs in one fenced transaction per profile) against real
// PostgreSQL through pgBouncer: first for new content, then for the same content under another
// asset, which must reuse the outputs without running ffmpeg (SPEC 2.6: never transcoded twice).
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { CatalogRepository } from '@portico/catalog';
import { createBoss, createPool, inTransaction } from '@portico/db';
import { transcodeAssetJob, transferUploadJob, type JobPayload } from '@portico/jobs-contracts';
import { ensureQueues, type JobContext, JobProducer, KeyedSemaphores } from '@portico/jobs-runtime';
import { FfmpegMediaTool, type FfmpegJob, type RunOptions, type RunResult } from '@portico/media';
import {
  NodeOutputFiles,
  ProxyStoreLocator,
  TranscodeHandler,
  TranscodeServices,
} from '@portico/role-transcode';
import { DEFAULT_TRANSCODE_PROFILES } from '@portico/settings';
import { FsStoragePaths, NodeFileHasher } from '@portico/storage';
import { ensureCommands } from '@portico/testing';

import type { BenchContext, Benchmark } from '../lib/benchmark';
import { round } from '../lib/output';
import { startServices } from '../lib/services';

const run = promisify(execFile);
const CLIP_SECONDS = { full: 60, quick: 5 };
const PROFILES = ['proxy', 'keyframes', 'poster'] as const;

class CountingMediaTool extends FfmpegMediaTool {
  runs = 0;
  override run(job: FfmpegJob, input: string, output: string, options?: RunOptions): Promise<RunResult> {
    this.runs += 1;
    return super.run(job, input, output, options);
  }
}

class FixedProxyStore extends ProxyStoreLocator {
  constructor(private readonly id: string) {
    super();
  }
  proxyStoreId(): Promise<string | undefined> {
    return Promise.resolve(this.id);
  }
}

export const transcodeRole: Benchmark = {
  async run({ quick, emit, log, lifecycle }: BenchContext): Promise<void> {
    ensureCommands([{ command: 'ffmpeg', debianPackage: 'ffmpeg' }]);
    const services = await startServices('transcode-role', lifecycle, log);
    const pool = createPool(services.url, { max: 4 });
    lifecycle.defer('pool', () => pool.end());
    const boss = createBoss(services.url, { supervise: false, schedule: false, max: 4 });
    boss.on('error', () => undefined);
    await boss.start();
    lifecycle.defer('pg-boss', () => boss.stop({ graceful: false, timeout: 5_000 }));

    const clusterId = randomUUID();
    const storageId = randomUUID();
    const proxyStoreId = randomUUID();
    await pool.query('INSERT INTO portico.clusters (id, name) VALUES ($1, $2)', [clusterId, 'bench']);
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
    await ensureQueues(boss, clusterId, [transcodeAssetJob, transferUploadJob]);

    const root = await mkdtemp(path.join(tmpdir(), 'portico-bench-transcode-role-'));
    lifecycle.defer('storage folder', () => rm(root, { recursive: true, force: true }));
    await mkdir(path.join(root, 'media'));
    const seconds = quick ? CLIP_SECONDS.quick : CLIP_SECONDS.full;
    log(`making a ${seconds} s 1280x720 clip`);
    await run('ffmpeg', [
      '-hide_banner', '-nostdin', '-loglevel', 'error',
      '-f', 'lavfi', '-i', `testsrc2=size=1280x720:rate=25:duration=${seconds}`,
      '-f', 'lavfi', '-i', `sine=frequency=440:duration=${seconds}`,
      '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-shortest',
      '-y', path.join(root, 'media/a.mp4'),
    ]); // prettier-ignore
    await copyFile(path.join(root, 'media/a.mp4'), path.join(root, 'media/b.mp4'));
    const content = await readFile(path.join(root, 'media/a.mp4'));
    const md5 = createHash('md5').update(content).digest('hex');

    const catalog = new CatalogRepository();
    const media = new CountingMediaTool();
    const handler = new TranscodeHandler(
      new TranscodeServices({
        clusterId,
        paths: new FsStoragePaths(root),
        media,
        hasher: new NodeFileHasher(),
        outputs: new NodeOutputFiles(),
        proxyStore: new FixedProxyStore(proxyStoreId),
        producer: new JobProducer(boss),
        profiles: () => DEFAULT_TRANSCODE_PROFILES,
        slots: new KeyedSemaphores(() => 1),
        logger: { info: () => undefined, warn: () => undefined },
      }),
    );

    /** All three profiles of one asset, one after the other; wall time in seconds. */
    const transcodeAsset = async (relative: string): Promise<number> => {
      const [ingested] = await catalog.ingestMany(pool, clusterId, storageId, [
        { path: relative, size: content.length, mtime: new Date('2024-01-01T00:00:00Z') },
      ]);
      await catalog.recordChecksums(pool, { clusterId, fileId: ingested!.fileId, checksums: { md5 } });
      const started = performance.now();
      for (const profile of PROFILES) {
        const payload: JobPayload<typeof transcodeAssetJob> = {
          assetId: ingested!.assetId,
          fileId: ingested!.fileId,
          sourcePath: relative,
          checksum: { algorithm: 'md5', value: md5 },
          profile,
        };
        const ctx: JobContext<typeof payload> = {
          payload,
          attemptId: randomUUID(),
          jobId: randomUUID(),
          attempt: 0,
          queue: 'bench',
          signal: new AbortController().signal,
          heartbeat: () => Promise.resolve(),
          withAttemptFence: (effect) => inTransaction(pool, effect),
        };
        await handler.transcode(ctx);
      }
      return (performance.now() - started) / 1000;
    };

    log('first asset: new content');
    const first = await transcodeAsset('media/a.mp4');
    const runsAfterFirst = media.runs;
    log('second asset: the same content');
    const second = await transcodeAsset('media/b.mp4');
    emit({ metric: 'new_content_all_profiles_s', value: round(first, 2), unit: 's' });
    emit({ metric: 'new_content_realtime_factor', value: round(seconds / first, 2), unit: 'x' });
    emit({ metric: 'same_content_all_profiles_s', value: round(second, 3), unit: 's' });
    emit({
      metric: 'ffmpeg_runs_for_same_content',
      value: media.runs - runsAfterFirst,
      unit: 'runs',
      target: { op: '=', value: 0 },
    });
  },
};
