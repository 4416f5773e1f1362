// Downloads (restores) an object to a local path: streamed into a temp file in the target's
// folder while hashing, fsynced, verified against the expected checksum, and only then placed
// under the target name. A failed or refused download leaves no file behind, and a different
// file already at the target is never replaced.
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { type Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';

import { checkChecksum, type Checksum, formatChecksum, parseChecksum } from '../checksum/checksum';
import { plainMd5Etag } from '../checksum/etag';
import { createHasher, type Hasher } from '../checksum/hasher';
import { fullKey } from '../config/object-key';
import { localFileError } from '../errors/local-file-error';
import { ObjectStoreError } from '../errors/object-store-error';
import { type ProgressListener, ProgressMeter } from '../progress/progress-meter';
import { type BucketClient, CHECKSUM_METADATA } from '../store/bucket-client.adapter';
import { inspectTarget, placeFile, removeQuietly, tempPathFor } from './target-file.adapter';

export interface DownloadRequest {
  /** Relative to the store's prefix. */
  readonly key: string;
  /** Absolute local path, already resolved inside the storage root by the caller. */
  readonly targetPath: string;
  /** What the object must hash to (the catalog's checksum of the file). */
  readonly checksum: Checksum;
  readonly onProgress?: ProgressListener;
  readonly signal?: AbortSignal;
}

export interface DownloadResult {
  readonly bucket: string;
  /** Full key, prefix included. */
  readonly key: string;
  readonly targetPath: string;
  readonly size: number;
  readonly checksum: Checksum;
  /** `already-present`: an identical file was at the target; nothing was transferred. */
  readonly outcome: 'downloaded' | 'already-present';
}

interface Received {
  readonly size: number;
  readonly digest: string;
  /** MD5 of the bytes, when computed to tell a damaged transfer from a wrong object. */
  readonly md5: string | undefined;
}

export async function downloadObject(
  bucket: BucketClient,
  request: DownloadRequest,
  progressIntervalMs: number,
): Promise<DownloadResult> {
  checkChecksum(request.checksum);
  const key = fullKey(bucket.location, request.key);
  const target = path.resolve(request.targetPath);
  const result = (outcome: DownloadResult['outcome'], size: number): DownloadResult => ({
    bucket: bucket.bucket,
    key,
    targetPath: target,
    size,
    checksum: request.checksum,
    outcome,
  });

  if ((await inspectTarget(target, request.checksum, request.signal)) === 'identical') {
    bucket.logger.info({ bucket: bucket.bucket, key, target }, 'download target already has the content');
    return result('already-present', 0);
  }
  await mkdir(path.dirname(target), { recursive: true }).catch((error: unknown) => {
    throw localFileError(error, path.dirname(target), 'create the download folder');
  });

  const object = await bucket.getObject(key, request.signal);
  const body = object.Body as Readable;
  const expectedSize = object.ContentLength;
  const etagMd5 = plainMd5Etag(object.ETag);
  const temp = tempPathFor(target);
  try {
    const progress = new ProgressMeter(expectedSize ?? 0, request.onProgress, {
      minIntervalMs: progressIntervalMs,
    });
    const received = await receive(bucket, key, body, temp, request, etagMd5 !== undefined, progress);
    progress.finish();
    if (expectedSize !== undefined && received.size !== expectedSize)
      throw new ObjectStoreError(
        'integrity',
        `Download of "${bucket.bucket}/${key}" from ${bucket.location.endpoint} ended after ${received.size} of ` +
          `${expectedSize} bytes; nothing was written to "${target}". It will be retried.`,
        {
          endpoint: bucket.location.endpoint,
          bucket: bucket.bucket,
          key,
          path: target,
          operation: 'GetObject',
        },
      );
    if (received.digest !== request.checksum.value)
      throw mismatch(
        bucket,
        key,
        target,
        request.checksum,
        received,
        etagMd5,
        object.Metadata?.[CHECKSUM_METADATA],
      );
    const placed = await placeFile(temp, target, request.checksum);
    bucket.logger.info(
      { bucket: bucket.bucket, key, target, size: received.size },
      'object downloaded and verified',
    );
    return result(placed === 'placed' ? 'downloaded' : 'already-present', received.size);
  } finally {
    body.destroy();
    await removeQuietly(temp);
  }
}

/**
 * Streams the body into the temp file through a hashing tap. Streams rather than a read/await
 * write loop, so the disk write of one chunk overlaps the arrival of the next.
 */
async function receive(
  bucket: BucketClient,
  key: string,
  body: Readable,
  temp: string,
  request: DownloadRequest,
  wantMd5: boolean,
  progress: ProgressMeter,
): Promise<Received> {
  const hasher = await createHasher(request.checksum.algorithm);
  const md5: Hasher | undefined =
    wantMd5 && request.checksum.algorithm !== 'md5' ? await createHasher('md5') : undefined;
  let size = 0;
  let writeError: unknown;
  const tap = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hasher.update(chunk);
      md5?.update(chunk);
      size += chunk.length;
      progress.advance(chunk.length);
      done(null, chunk);
    },
  });
  // `wx`: the random temp name is ours alone. `flush`: fsync before close, so the bytes are on
  // disk before the file gets its final name.
  const sink = createWriteStream(temp, { flags: 'wx', mode: 0o644, flush: true, highWaterMark: 1024 * 1024 });
  sink.on('error', (error) => (writeError ??= error));
  try {
    await pipeline(body, tap, sink, ...(request.signal ? [{ signal: request.signal }] : []));
  } catch (error) {
    if (request.signal?.aborted) throw bucket.aborted('GetObject', key);
    if (writeError !== undefined) throw localFileError(writeError, temp, 'write the downloaded data to');
    throw bucket.failure('GetObject', key, error, request.signal);
  }
  const digest = hasher.digest();
  return {
    size,
    digest,
    md5: md5 ? md5.digest() : request.checksum.algorithm === 'md5' ? digest : undefined,
  };
}

/**
 * The bytes do not hash to the expected checksum. When the object's ETag is a plain MD5 equal to
 * the bytes' MD5, or its metadata names another checksum, the stored object itself is wrong and
 * retrying cannot help (permanent); otherwise the damage may have been in transit (retryable).
 */
function mismatch(
  bucket: BucketClient,
  key: string,
  target: string,
  expected: Checksum,
  received: Received,
  etagMd5: string | undefined,
  metadataChecksum: string | undefined,
): ObjectStoreError {
  const recorded = parseChecksum(metadataChecksum);
  const storedIsWrong =
    (etagMd5 !== undefined && received.md5 === etagMd5) ||
    (recorded !== undefined && formatChecksum(recorded) !== formatChecksum(expected));
  return new ObjectStoreError(
    'checksum-mismatch',
    `Download of "${bucket.bucket}/${key}" from ${bucket.location.endpoint} does not match the expected ` +
      `${expected.algorithm} ${expected.value} (got ${received.digest} over ${received.size} bytes); ` +
      `"${target}" was not written. ` +
      (storedIsWrong
        ? 'The stored object itself differs from the catalogued file: check the archive copy.'
        : 'The data may have been damaged in transit; it will be retried.'),
    {
      endpoint: bucket.location.endpoint,
      bucket: bucket.bucket,
      key,
      path: target,
      operation: 'verify',
      permanent: storedIsWrong,
    },
  );
}
