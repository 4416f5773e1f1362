// A file up to the multipart threshold goes up in one PutObject. Its bytes are read into memory
// once (the threshold bounds that) so that both the source checksum and Content-MD5 are known
// before anything is sent: a changed source is refused without touching the bucket, and the
// endpoint refuses a body damaged in transit. @aws-sdk/lib-storage adds nothing for an in-memory
// body of known length, so this is a plain PutObject.
import { PutObjectCommand } from '@aws-sdk/client-s3';

import { plainMd5Etag } from '../checksum/etag';
import { createHasher, md5Of } from '../checksum/hasher';
import { type VerifiedBy, verifyStoredObject } from './verify-stored-object.adapter';
import { sourceChanged, storedObjectMismatch, type UploadJob, uploadMetadata } from './upload-job';

export async function uploadSingle(
  job: UploadJob,
): Promise<{ etag: string | undefined; verifiedBy: VerifiedBy }> {
  const { bucket, key, source, signal } = job;
  const body = await source.read(0, source.size);
  const hasher = await createHasher(job.checksum.algorithm);
  hasher.update(body);
  const actual = hasher.digest();
  if (actual !== job.checksum.value) throw sourceChanged(job, actual);
  const md5 = md5Of(body);
  if (signal?.aborted) throw bucket.aborted('PutObject', key);

  const put = await bucket.call(
    'PutObject',
    key,
    () =>
      bucket.client.send(
        new PutObjectCommand({
          Bucket: bucket.bucket,
          Key: key,
          Body: body,
          ContentLength: body.length,
          ContentMD5: md5.base64,
          ContentType: job.contentType,
          Metadata: uploadMetadata(job),
        }),
        { abortSignal: signal },
      ),
    signal,
  );
  job.progress.advance(body.length);

  if (plainMd5Etag(put.ETag) === md5.hex) return { etag: put.ETag, verifiedBy: 'etag-md5' };
  const verification = await verifyStoredObject(
    bucket,
    key,
    { size: body.length, checksum: job.checksum, md5: md5.hex },
    signal,
  );
  if (verification.ok) return { etag: verification.etag, verifiedBy: verification.by };
  await bucket.deleteObject(key).catch(() => undefined);
  throw storedObjectMismatch(job, verification.reason);
}
