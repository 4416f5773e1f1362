// What one upload attempt works on, shared by the single-request and multipart paths.
import { type Checksum, formatChecksum } from '../checksum/checksum';
import { ObjectStoreError } from '../errors/object-store-error';
import { type ProgressMeter } from '../progress/progress-meter';
import { type BucketClient, CHECKSUM_METADATA } from '../store/bucket-client.adapter';
import { type SourceFile } from './source-file.adapter';

export interface UploadJob {
  readonly bucket: BucketClient;
  readonly source: SourceFile;
  /** Full key, prefix included. */
  readonly key: string;
  readonly checksum: Checksum;
  readonly contentType: string | undefined;
  readonly progress: ProgressMeter;
  readonly signal: AbortSignal | undefined;
}

/** Metadata written with the object: what a later attempt (or an export) checks it against. */
export function uploadMetadata(job: UploadJob): Record<string, string> {
  return { [CHECKSUM_METADATA]: formatChecksum(job.checksum) };
}

/** The source's bytes no longer hash to the checksum the job was given: nothing is recorded as done. */
export function sourceChanged(job: UploadJob, actual: string): ObjectStoreError {
  return new ObjectStoreError(
    'source-changed',
    `Upload source "${job.source.path}" no longer has the content it was catalogued with ` +
      `(${job.checksum.algorithm} is ${actual}, expected ${job.checksum.value}); nothing was stored at ` +
      `"${job.bucket.bucket}/${job.key}". The file will be uploaded again once it is rescanned and checksummed.`,
    {
      path: job.source.path,
      bucket: job.bucket.bucket,
      key: job.key,
      endpoint: job.bucket.location.endpoint,
    },
  );
}

/** The stored object failed the end-to-end check; it was removed and the upload starts over. */
export function storedObjectMismatch(job: UploadJob, reason: string): ObjectStoreError {
  return new ObjectStoreError(
    'checksum-mismatch',
    `Upload of "${job.source.path}" to "${job.bucket.bucket}/${job.key}" on ${job.bucket.location.endpoint} ` +
      `failed verification: ${reason}. The object was removed; the upload will be retried from the start.`,
    {
      path: job.source.path,
      bucket: job.bucket.bucket,
      key: job.key,
      endpoint: job.bucket.location.endpoint,
      operation: 'verify',
      permanent: false,
    },
  );
}
