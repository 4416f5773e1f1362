// One upload attempt of a local file: skip it if an earlier attempt already stored this content,
// else send it in one request (small files) or as a resumable multipart upload.
import { checkChecksum, parseChecksum, sameChecksum } from '../checksum/checksum';
import { fullKey } from '../config/object-key';
import { partCount } from '../multipart/part-plan';
import { ProgressMeter } from '../progress/progress-meter';
import { type BucketClient, CHECKSUM_METADATA } from '../store/bucket-client.adapter';
import { type UploadRequest, type UploadResult } from '../store/object-store';
import { type MultipartSettings, multipartTarget, uploadMultipart } from './multipart-upload.adapter';
import { uploadSingle } from './single-upload.adapter';
import { SourceFile } from './source-file.adapter';
import { type UploadJob } from './upload-job';
import { type VerifiedBy, verifyStoredObject } from './verify-stored-object.adapter';

export interface UploadSettings extends MultipartSettings {
  /** Files up to this size go up in one PutObject. */
  readonly multipartThreshold: number;
  readonly progressIntervalMs: number;
}

export async function uploadFile(
  bucket: BucketClient,
  settings: UploadSettings,
  request: UploadRequest,
): Promise<UploadResult> {
  checkChecksum(request.checksum);
  const key = fullKey(bucket.location, request.key);
  const source = await SourceFile.open(request.sourcePath);
  try {
    const progress = new ProgressMeter(source.size, request.onProgress, {
      minIntervalMs: settings.progressIntervalMs,
    });
    const job: UploadJob = {
      bucket,
      source,
      key,
      checksum: request.checksum,
      contentType: request.contentType,
      progress,
      signal: request.signal,
    };
    const base = { bucket: bucket.bucket, key, size: source.size, checksum: request.checksum };

    const present = await alreadyStored(job, settings);
    if (present) {
      progress.advance(source.size, false);
      progress.finish();
      bucket.logger.info(
        { bucket: bucket.bucket, key },
        'upload skipped: the object already has this content',
      );
      return {
        ...base,
        etag: present.etag,
        outcome: 'already-present',
        method: 'none',
        partsSent: 0,
        partsReused: 0,
        verifiedBy: present.by,
      };
    }

    let result: UploadResult;
    if (source.size <= settings.multipartThreshold) {
      const single = await uploadSingle(job);
      result = { ...base, ...single, outcome: 'uploaded', method: 'single', partsSent: 1, partsReused: 0 };
    } else {
      const multi = await uploadMultipart(job, settings);
      result = {
        ...base,
        etag: multi.etag,
        verifiedBy: multi.verifiedBy,
        outcome: 'uploaded',
        method: 'multipart',
        partsSent: multi.partsSent,
        partsReused: multi.partsReused,
      };
    }
    progress.finish();
    bucket.logger.info(
      {
        bucket: bucket.bucket,
        key,
        size: source.size,
        method: result.method,
        partsSent: result.partsSent,
        partsReused: result.partsReused,
        verifiedBy: result.verifiedBy,
      },
      'object uploaded and verified',
    );
    return result;
  } finally {
    await source.close();
  }
}

/**
 * The object is there with this content when its metadata names the checksum and its size
 * matches: uploads write that metadata, and a multipart record is removed only after the
 * stored object was verified. A record still present means the attempt stopped between
 * completing and verifying, so the object is verified now from the recorded parts.
 */
async function alreadyStored(
  job: UploadJob,
  settings: MultipartSettings,
): Promise<{ etag: string | undefined; by: VerifiedBy | 'metadata' } | undefined> {
  const head = await job.bucket.head(job.key, job.signal);
  const recorded = parseChecksum(head?.metadata[CHECKSUM_METADATA]);
  if (!head || !recorded || !sameChecksum(recorded, job.checksum) || head.size !== job.source.size)
    return undefined;
  const state = await settings.states.find(multipartTarget(job, settings.clusterId));
  if (!state) return { etag: head.etag, by: 'metadata' };
  if (state.parts.length !== partCount(state.totalSize, state.partSize)) return undefined;
  const verification = await verifyStoredObject(
    job.bucket,
    job.key,
    { size: job.source.size, checksum: job.checksum, partMd5s: state.parts.map((part) => part.md5) },
    job.signal,
  );
  if (!verification.ok) return undefined;
  await settings.states.remove(state.id);
  return { etag: verification.etag, by: verification.by };
}
