// Resumable multipart upload. @aws-sdk/lib-storage's Upload cannot resume: it neither takes an
// existing UploadId nor reports which parts were acknowledged, and it aborts the upload on
// failure. So this is our own loop, built for retries on any node:
// - the UploadId, the part size and every acknowledged part (number, size, ETag, MD5) are
//   recorded through MultipartStateStore as soon as the endpoint confirms the part;
// - a retry finds the record, reconciles it with ListParts (when the endpoint has it), re-reads
//   the file once in order (that re-read feeds the source checksum and proves each reused part
//   still has its bytes) and sends only the parts missing;
// - every part carries Content-MD5; a plain-MD5 ETag must equal it; the whole file must hash to
//   the job's checksum before CompleteMultipartUpload, and the stored object is verified after.
// Parts go out `concurrency` at a time; memory stays at about concurrency × part size.
import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  ListPartsCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3';

import { plainMd5Etag } from '../checksum/etag';
import { createHasher, md5Of } from '../checksum/hasher';
import { ObjectStoreError } from '../errors/object-store-error';
import {
  MultipartStateGoneError,
  type MultipartStateStore,
  type MultipartTarget,
  type MultipartUploadState,
} from '../multipart/multipart-state-store';
import {
  choosePartSize,
  MAX_PARTS,
  MIN_PART_SIZE,
  partCount,
  planParts,
  type Part,
  type PartSizeOptions,
} from '../multipart/part-plan';
import { type ListedPart, reusablePart } from '../multipart/reconcile';
import { type VerifiedBy, verifyStoredObject } from './verify-stored-object.adapter';
import { sourceChanged, storedObjectMismatch, type UploadJob, uploadMetadata } from './upload-job';

export interface MultipartSettings {
  readonly clusterId: string;
  readonly states: MultipartStateStore;
  readonly partSize: PartSizeOptions;
  /** Parts in flight at once. */
  readonly concurrency: number;
  /** Upper bound of part buffers held at once; lowers the concurrency for big parts. */
  readonly maxBufferBytes: number;
}

export interface MultipartOutcome {
  readonly etag: string | undefined;
  readonly verifiedBy: VerifiedBy;
  readonly uploadId: string;
  readonly partsSent: number;
  readonly partsReused: number;
}

interface OpenUpload {
  readonly state: MultipartUploadState;
  /** The endpoint's parts of this upload, or null when it cannot list them. */
  readonly listing: ReadonlyMap<number, ListedPart> | null;
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(`non-error thrown: ${JSON.stringify(error)}`);
}

/** Endpoints already seen without ListParts, so the fallback is logged once per bucket client. */
const noListParts = new WeakSet<object>();

export function multipartTarget(job: UploadJob, clusterId: string): MultipartTarget {
  return {
    clusterId,
    endpoint: job.bucket.location.endpoint,
    bucket: job.bucket.bucket,
    key: job.key,
    checksum: job.checksum,
  };
}

export async function uploadMultipart(
  job: UploadJob,
  settings: MultipartSettings,
): Promise<MultipartOutcome> {
  const target = multipartTarget(job, settings.clusterId);
  await abortOtherVersions(job, settings, target);
  const upload = await openUpload(job, settings, target);
  return sendAndComplete(job, settings, upload);
}

/** Uploads to the same key of another content are stale: the source changed since they began. */
async function abortOtherVersions(job: UploadJob, settings: MultipartSettings, target: MultipartTarget) {
  for (const other of await settings.states.others(target)) {
    const aborted = await job.bucket.abortUpload(job.key, other.uploadId);
    await settings.states.remove(other.id);
    job.bucket.logger.info(
      {
        bucket: job.bucket.bucket,
        key: job.key,
        uploadId: other.uploadId,
        staleChecksum: `${other.checksum.algorithm}:${other.checksum.value}`,
        abortedOnEndpoint: aborted,
      },
      'aborted a stale multipart upload of an older version of the source',
    );
  }
}

function fits(state: MultipartUploadState, size: number): boolean {
  return (
    state.totalSize === size &&
    state.partSize >= MIN_PART_SIZE &&
    partCount(size, state.partSize) <= MAX_PARTS
  );
}

/** The recorded upload to resume, or a new one. */
async function openUpload(
  job: UploadJob,
  settings: MultipartSettings,
  target: MultipartTarget,
): Promise<OpenUpload> {
  const { bucket, key, signal } = job;
  // Two rounds at most: another attempt may win the race to record a new upload.
  for (let round = 0; round < 3; round++) {
    const state = await settings.states.find(target);
    if (state && !fits(state, job.source.size)) {
      // Same checksum, different size: that upload was fed by other bytes; start over.
      await bucket.abortUpload(key, state.uploadId);
      await settings.states.remove(state.id);
    } else if (state) {
      const listing = await listParts(job, state.uploadId);
      if (listing !== 'gone') {
        bucket.logger.info(
          { bucket: bucket.bucket, key, uploadId: state.uploadId, partsRecorded: state.parts.length },
          'resuming a multipart upload',
        );
        return { state, listing };
      }
      // Expired or aborted on the endpoint (lifecycle rule, operator): the record is useless.
      await settings.states.remove(state.id);
    }

    const partSize = choosePartSize(job.source.size, settings.partSize);
    const created = await bucket.call(
      'CreateMultipartUpload',
      key,
      () =>
        bucket.client.send(
          new CreateMultipartUploadCommand({
            Bucket: bucket.bucket,
            Key: key,
            ContentType: job.contentType,
            Metadata: uploadMetadata(job),
          }),
          { abortSignal: signal },
        ),
      signal,
    );
    const uploadId = created.UploadId;
    if (!uploadId)
      throw new ObjectStoreError(
        'invalid-request',
        `S3 endpoint ${bucket.location.endpoint} returned no UploadId for "${bucket.bucket}/${key}".`,
        {
          endpoint: bucket.location.endpoint,
          bucket: bucket.bucket,
          key,
          operation: 'CreateMultipartUpload',
        },
      );
    const begun = await settings.states.begin(target, { uploadId, partSize, totalSize: job.source.size });
    if (begun.created) return { state: begun.state, listing: new Map() };
    // Another attempt recorded its upload first: drop ours and resume theirs.
    await bucket.abortUpload(key, uploadId);
  }
  throw new ObjectStoreError(
    'upload-lost',
    `Could not settle on one multipart upload for "${bucket.bucket}/${key}": other attempts kept replacing it; the job will be retried.`,
    { endpoint: bucket.location.endpoint, bucket: bucket.bucket, key },
  );
}

/** The endpoint's parts of an upload; null when it has no ListParts; 'gone' when the upload no longer exists. */
async function listParts(job: UploadJob, uploadId: string): Promise<Map<number, ListedPart> | null | 'gone'> {
  const { bucket, key, signal } = job;
  if (noListParts.has(bucket)) return null;
  const parts = new Map<number, ListedPart>();
  let marker: string | undefined;
  try {
    do {
      const page = await bucket.call(
        'ListParts',
        key,
        () =>
          bucket.client.send(
            new ListPartsCommand({
              Bucket: bucket.bucket,
              Key: key,
              UploadId: uploadId,
              MaxParts: 1000,
              PartNumberMarker: marker,
            }),
            { abortSignal: signal },
          ),
        signal,
      );
      for (const part of page.Parts ?? [])
        if (part.PartNumber !== undefined && part.ETag)
          parts.set(part.PartNumber, { size: part.Size ?? -1, etag: part.ETag });
      marker = page.IsTruncated ? page.NextPartNumberMarker : undefined;
    } while (marker);
    return parts;
  } catch (error) {
    if (error instanceof ObjectStoreError) {
      if (error.kind === 'upload-lost' || error.kind === 'not-found') return 'gone';
      if (error.kind === 'invalid-request' && (error.httpStatus === 405 || error.httpStatus === 501)) {
        noListParts.add(bucket);
        bucket.logger.info(
          { endpoint: bucket.location.endpoint, bucket: bucket.bucket },
          'the endpoint has no ListParts; resuming from the recorded parts alone',
        );
        return null;
      }
    }
    throw error;
  }
}

async function sendAndComplete(
  job: UploadJob,
  settings: MultipartSettings,
  upload: OpenUpload,
): Promise<MultipartOutcome> {
  const { bucket, key, signal, source } = job;
  const { state, listing } = upload;
  const parts = planParts(source.size, state.partSize);
  const recorded = new Map(state.parts.map((part) => [part.partNumber, part]));
  const hasher = await createHasher(job.checksum.algorithm);
  const etags: string[] = new Array<string>(parts.length);
  const partMd5s: string[] = new Array<string>(parts.length);
  const concurrency = Math.max(
    1,
    Math.min(settings.concurrency, Math.floor(settings.maxBufferBytes / state.partSize)),
  );
  const inFlight = new Set<Promise<void>>();
  let failure: Error | undefined;
  let partsSent = 0;
  let partsReused = 0;

  try {
    for (const part of parts) {
      while (inFlight.size >= concurrency && failure === undefined) await Promise.race(inFlight);
      if (failure !== undefined) break;
      if (signal?.aborted) throw bucket.aborted('UploadPart', key);
      const bytes = await source.read(part.offset, part.size);
      hasher.update(bytes);
      const md5 = md5Of(bytes);
      partMd5s[part.partNumber - 1] = md5.hex;
      const reuse = reusablePart(part, md5.hex, recorded.get(part.partNumber), listing);
      if (reuse) {
        if (reuse.record)
          await settings.states.recordPart(state.id, { ...part, etag: reuse.etag, md5: md5.hex });
        etags[part.partNumber - 1] = reuse.etag;
        partsReused++;
        job.progress.advance(part.size, false);
        continue;
      }
      const task: Promise<void> = sendPart(job, settings, state, part, bytes, md5).then(
        (etag) => {
          etags[part.partNumber - 1] = etag;
          partsSent++;
          job.progress.advance(part.size);
        },
        (error: unknown) => {
          failure ??= asError(error);
        },
      );
      const tracked: Promise<void> = task.finally(() => inFlight.delete(tracked));
      inFlight.add(tracked);
    }
  } catch (error) {
    failure ??= asError(error);
  }
  // Parts in flight finish (and are recorded) or fail before this attempt gives up: an abort
  // or a failure never loses a part the endpoint acknowledged.
  await Promise.all(inFlight);
  if (failure !== undefined) {
    if (signal?.aborted) throw bucket.aborted('UploadPart', key);
    throw failure;
  }

  const actual = hasher.digest();
  if (actual !== job.checksum.value) {
    // The record stays when the endpoint was unreachable, so the next upload to this key aborts it.
    const settled = await bucket.abortUpload(key, state.uploadId).then(
      () => true,
      () => false,
    );
    if (settled) await settings.states.remove(state.id);
    throw sourceChanged(job, actual);
  }

  const completion = await complete(job, state, etags);
  const expected = {
    size: source.size,
    checksum: job.checksum,
    partMd5s,
    ...(job.checksum.algorithm === 'md5' ? { md5: job.checksum.value } : {}),
  };
  const verification = await verifyStoredObject(bucket, key, expected, signal);
  if (!verification.ok && completion === 'lost') {
    // Nothing of ours was stored: leave whatever the key held, forget the upload, start afresh.
    await bucket.abortUpload(key, state.uploadId).catch(() => false);
    await settings.states.remove(state.id);
    throw new ObjectStoreError(
      'upload-lost',
      `CompleteMultipartUpload of "${bucket.bucket}/${key}" on ${bucket.location.endpoint} found the upload ` +
        `${state.uploadId} gone or missing parts; the next attempt starts a new upload.`,
      {
        endpoint: bucket.location.endpoint,
        bucket: bucket.bucket,
        key,
        operation: 'CompleteMultipartUpload',
      },
    );
  }
  if (!verification.ok) {
    await bucket.deleteObject(key).catch(() => undefined);
    await settings.states.remove(state.id);
    throw storedObjectMismatch(job, verification.reason);
  }
  await settings.states.remove(state.id);
  const etag = verification.etag ?? (completion === 'lost' ? undefined : completion.etag);
  return { etag, verifiedBy: verification.by, uploadId: state.uploadId, partsSent, partsReused };
}

async function sendPart(
  job: UploadJob,
  settings: MultipartSettings,
  state: MultipartUploadState,
  part: Part,
  bytes: Buffer,
  md5: { hex: string; base64: string },
): Promise<string> {
  const { bucket, key, signal } = job;
  const answer = await bucket.call(
    'UploadPart',
    key,
    () =>
      bucket.client.send(
        new UploadPartCommand({
          Bucket: bucket.bucket,
          Key: key,
          UploadId: state.uploadId,
          PartNumber: part.partNumber,
          Body: bytes,
          ContentLength: part.size,
          ContentMD5: md5.base64,
        }),
        { abortSignal: signal },
      ),
    signal,
  );
  const etag = answer.ETag;
  const plain = plainMd5Etag(etag);
  if (!etag || (plain !== undefined && plain !== md5.hex))
    throw new ObjectStoreError(
      'integrity',
      `S3 endpoint ${bucket.location.endpoint} acknowledged part ${part.partNumber} of "${bucket.bucket}/${key}" ` +
        `with ETag ${etag ?? '(none)'}, not the MD5 ${md5.hex} of the bytes sent; the part will be sent again.`,
      { endpoint: bucket.location.endpoint, bucket: bucket.bucket, key, operation: 'UploadPart' },
    );
  try {
    await settings.states.recordPart(state.id, {
      partNumber: part.partNumber,
      size: part.size,
      etag,
      md5: md5.hex,
    });
  } catch (error) {
    if (!(error instanceof MultipartStateGoneError)) throw error;
    throw new ObjectStoreError(
      'upload-lost',
      `The multipart upload of "${bucket.bucket}/${key}" was abandoned by another attempt while part ` +
        `${part.partNumber} was sent; this attempt stops and the job will be retried.`,
      { endpoint: bucket.location.endpoint, bucket: bucket.bucket, key, operation: 'UploadPart' },
    );
  }
  return etag;
}

/** Completes the upload; 'lost' when the endpoint no longer has it as we know it. */
async function complete(
  job: UploadJob,
  state: MultipartUploadState,
  etags: readonly string[],
): Promise<{ etag: string | undefined } | 'lost'> {
  const { bucket, key, signal } = job;
  try {
    const done = await bucket.call(
      'CompleteMultipartUpload',
      key,
      () =>
        bucket.client.send(
          new CompleteMultipartUploadCommand({
            Bucket: bucket.bucket,
            Key: key,
            UploadId: state.uploadId,
            MultipartUpload: { Parts: etags.map((etag, index) => ({ PartNumber: index + 1, ETag: etag })) },
          }),
          { abortSignal: signal },
        ),
      signal,
    );
    return { etag: done.ETag };
  } catch (error) {
    // The upload is gone (another attempt completed it, or it expired) or refuses our parts: the
    // caller's verification decides whether the object is already right.
    if (error instanceof ObjectStoreError && (error.kind === 'upload-lost' || error.code === 'InvalidPart'))
      return 'lost';
    throw error;
  }
}
