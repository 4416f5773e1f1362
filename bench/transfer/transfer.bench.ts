// The TRANSFER engine (SPEC 2.6) against the harness's S3 endpoint (s3rver), as ratios to a
// reference run in the same process on the same file: the resumable, verified multipart upload
// vs @aws-sdk/lib-storage's Upload with the same part size and concurrency; the verified,
// fsynced, atomic download vs a bare GetObject piped into a file; and what a resume re-sends
// after an upload is aborted half-way. SPEC 4 sets no target for these.
import { createHash, randomFillSync, randomUUID } from 'node:crypto';
import {
  closeSync,
  createReadStream,
  createWriteStream,
  mkdtempSync,
  openSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CreateBucketCommand, GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { createPool } from '@portico/db';
import {
  type Checksum,
  createS3Client,
  MultipartStateRepository,
  type ObjectStoreConfig,
  S3ObjectStore,
} from '@portico/object-store';
import { harnessUrls } from '@portico/testing';

import type { BenchContext, Benchmark } from '../lib/benchmark';
import { round } from '../lib/output';
import { startServices } from '../lib/services';
import { percentile } from '../lib/stats';

const MiB = 1024 * 1024;
/** Decimal megabytes per second, as most tools print them. */
const MB = 1e6;
const FILE_BYTES = { full: 512 * MiB, quick: 64 * MiB };
const REPETITIONS = { full: 3, quick: 1 };
const PART_SIZE = 8 * MiB;
const CONCURRENCY = 4;

function writeRandomFile(file: string, bytes: number): Checksum {
  const block = Buffer.allocUnsafe(4 * MiB);
  const md5 = createHash('md5');
  const fd = openSync(file, 'w');
  try {
    for (let written = 0; written < bytes; written += block.length) {
      randomFillSync(block);
      const slice = block.subarray(0, Math.min(block.length, bytes - written));
      md5.update(slice);
      writeSync(fd, slice);
    }
  } finally {
    closeSync(fd);
  }
  return { algorithm: 'md5', value: md5.digest('hex') };
}

async function seconds(action: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await action();
  return (performance.now() - started) / 1000;
}

async function libStorageUpload(client: S3Client, bucket: string, key: string, file: string): Promise<void> {
  await new Upload({
    client,
    params: { Bucket: bucket, Key: key, Body: createReadStream(file, { highWaterMark: MiB }) },
    partSize: PART_SIZE,
    queueSize: CONCURRENCY,
  }).done();
}

async function bareDownload(client: S3Client, bucket: string, key: string, file: string): Promise<void> {
  const object = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  await pipeline(object.Body as Readable, createWriteStream(file));
}

async function runTransfer({ quick, emit, log, lifecycle }: BenchContext): Promise<void> {
  const bytes = quick ? FILE_BYTES.quick : FILE_BYTES.full;
  const repetitions = quick ? REPETITIONS.quick : REPETITIONS.full;
  const services = await startServices('transfer', lifecycle, log);
  const pool = createPool(services.url, { max: 4 });
  lifecycle.defer('database pool', () => pool.end());
  const clusterId = randomUUID();
  await pool.query('INSERT INTO portico.clusters (id, name) VALUES ($1, $2)', [clusterId, 'bench-transfer']);

  const { s3 } = services.state;
  const bucket = 'bench-transfer';
  const config: ObjectStoreConfig = {
    endpoint: harnessUrls.s3Endpoint(services.state),
    region: s3.region,
    bucket,
    forcePathStyle: true,
    credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
  };
  const client = createS3Client(config);
  lifecycle.defer('S3 client', () => client.destroy());
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  const open = () =>
    new S3ObjectStore(config, {
      clusterId,
      states: new MultipartStateRepository(pool),
      partSize: { partSize: PART_SIZE },
      partConcurrency: CONCURRENCY,
    });

  const dir = mkdtempSync(path.join(tmpdir(), 'portico-bench-transfer-'));
  lifecycle.defer('remove the test files', () => rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'media.bin');
  log(`writing ${bytes / MiB} MiB of random data to ${file}`);
  const checksum = writeRandomFile(file, bytes);

  const upload = { ours: [] as number[], reference: [] as number[] };
  const download = { ours: [] as number[], reference: [] as number[] };
  for (let repetition = 1; repetition <= repetitions; repetition++) {
    // Alternate who goes first, so neither always runs on a warmer endpoint.
    const order = repetition % 2 === 1 ? (['ours', 'reference'] as const) : (['reference', 'ours'] as const);
    for (const who of order) {
      const key = `r${repetition}/${who}.bin`;
      const store = open();
      const up = await seconds(() =>
        who === 'ours'
          ? store.upload({ sourcePath: file, key, checksum })
          : libStorageUpload(client, bucket, key, file),
      );
      const target = path.join(dir, `r${repetition}-${who}.down`);
      const down = await seconds(() =>
        who === 'ours'
          ? store.download({ key, targetPath: target, checksum })
          : bareDownload(client, bucket, key, target),
      );
      store.close();
      rmSync(target, { force: true });
      upload[who].push(bytes / MB / up);
      download[who].push(bytes / MB / down);
    }
    log(
      `repetition ${repetition}/${repetitions}: upload ${upload.ours.at(-1)!.toFixed(0)} vs ` +
        `${upload.reference.at(-1)!.toFixed(0)} MB/s, download ${download.ours.at(-1)!.toFixed(0)} vs ` +
        `${download.reference.at(-1)!.toFixed(0)} MB/s`,
    );
  }

  // Resume: abort half-way, then a fresh store (another node) finishes the upload.
  const controller = new AbortController();
  await open()
    .upload({
      sourcePath: file,
      key: 'resume.bin',
      checksum,
      signal: controller.signal,
      onProgress: (progress) => {
        if (progress.bytesDone >= bytes / 2) controller.abort();
      },
    })
    .then(
      () => {
        throw new Error('the upload to abort finished before the abort');
      },
      () => undefined,
    );
  const states = new MultipartStateRepository(pool);
  const target = { clusterId, endpoint: config.endpoint!, bucket, key: 'resume.bin', checksum };
  const recorded = (await states.find(target))?.parts.length ?? 0;
  const totalParts = Math.ceil(bytes / PART_SIZE);
  let resumed = { partsSent: 0, partsReused: 0 };
  const resumeSeconds = await seconds(async () => {
    resumed = await open().upload({ sourcePath: file, key: 'resume.bin', checksum });
  });
  log(`resume: ${recorded} of ${totalParts} parts recorded at the abort; resumed sent ${resumed.partsSent}`);

  const ours = percentile(upload.ours, 50);
  const reference = percentile(upload.reference, 50);
  emit({ metric: 'upload_mb_per_s', value: round(ours, 1), unit: 'MB/s' });
  emit({ metric: 'lib_storage_upload_mb_per_s', value: round(reference, 1), unit: 'MB/s' });
  emit({ metric: 'upload_vs_lib_storage_ratio', value: round(ours / reference, 3), unit: 'ratio' });
  const oursDown = percentile(download.ours, 50);
  const referenceDown = percentile(download.reference, 50);
  emit({ metric: 'download_mb_per_s', value: round(oursDown, 1), unit: 'MB/s' });
  emit({ metric: 'bare_get_object_mb_per_s', value: round(referenceDown, 1), unit: 'MB/s' });
  emit({ metric: 'download_vs_bare_ratio', value: round(oursDown / referenceDown, 3), unit: 'ratio' });
  emit({ metric: 'resume_parts_recorded_at_abort', value: recorded, unit: 'count' });
  emit({ metric: 'resume_parts_sent', value: resumed.partsSent, unit: 'count' });
  emit({
    metric: 'resume_parts_resent_beyond_missing',
    value: resumed.partsSent - (totalParts - recorded),
    unit: 'count',
  });
  emit({ metric: 'resume_s', value: round(resumeSeconds, 3), unit: 's' });
  emit({ metric: 'file_mib', value: bytes / MiB, unit: 'MiB' });
  emit({ metric: 'part_mib', value: PART_SIZE / MiB, unit: 'MiB' });
  emit({ metric: 'repetitions', value: repetitions, unit: 'count' });
}

export const transfer: Benchmark = { run: runTransfer };
