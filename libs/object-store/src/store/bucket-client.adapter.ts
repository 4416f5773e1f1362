// One bucket of one endpoint, as the transfer code talks to it: every S3 call goes through
// `call`, which turns failures into classified ObjectStoreErrors naming endpoint, bucket and key
// (never a secret), and into an `aborted` error when the caller's signal fired.
import {
  AbortMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';

import { type StoreLocation } from '../config/object-store-config';
import { classifyS3Error } from '../errors/classify-s3-error';
import { ObjectStoreError } from '../errors/object-store-error';
import { type ObjectStoreLogger } from './logger';

/** S3 metadata entry holding the source checksum (`md5:…`), written with every upload. */
export const CHECKSUM_METADATA = 'portico-checksum';

export interface ObjectHead {
  readonly size: number;
  readonly etag: string | undefined;
  readonly metadata: Readonly<Record<string, string>>;
  readonly lastModified: Date | undefined;
}

export class BucketClient {
  constructor(
    readonly client: S3Client,
    readonly location: StoreLocation,
    readonly logger: ObjectStoreLogger,
    private readonly scrub: (text: string) => string,
  ) {}

  get bucket(): string {
    return this.location.bucket;
  }

  /** Runs one S3 request; failures become classified errors. */
  async call<T>(
    operation: string,
    key: string | undefined,
    send: () => Promise<T>,
    signal?: AbortSignal,
  ): Promise<T> {
    try {
      return await send();
    } catch (error) {
      throw this.failure(operation, key, error, signal);
    }
  }

  /** The classified error for a failure of `operation` (also for failures while reading a body). */
  failure(
    operation: string,
    key: string | undefined,
    error: unknown,
    signal?: AbortSignal,
  ): ObjectStoreError {
    if (signal?.aborted) return this.aborted(operation, key);
    return classifyS3Error(error, {
      endpoint: this.location.endpoint,
      region: this.location.region,
      bucket: this.location.bucket,
      ...(key === undefined ? {} : { key }),
      operation,
      scrub: this.scrub,
    });
  }

  aborted(operation: string, key?: string): ObjectStoreError {
    return new ObjectStoreError(
      'aborted',
      `${operation} of "${this.bucket}/${key ?? ''}" on ${this.location.endpoint} was aborted; ` +
        'parts already sent are kept for the next attempt.',
      { endpoint: this.location.endpoint, bucket: this.bucket, key, operation },
    );
  }

  /** The object's size, ETag and metadata; null when it does not exist. */
  async head(key: string, signal?: AbortSignal): Promise<ObjectHead | null> {
    try {
      const head = await this.call(
        'HeadObject',
        key,
        () =>
          this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }), { abortSignal: signal }),
        signal,
      );
      return {
        size: head.ContentLength ?? 0,
        etag: head.ETag,
        metadata: head.Metadata ?? {},
        lastModified: head.LastModified,
      };
    } catch (error) {
      if (error instanceof ObjectStoreError && error.kind === 'not-found') return null;
      throw error;
    }
  }

  /** Fails with a classified error when the bucket is missing or the credentials are refused. */
  async checkBucket(signal?: AbortSignal): Promise<void> {
    await this.call(
      'HeadBucket',
      undefined,
      () => this.client.send(new HeadBucketCommand({ Bucket: this.bucket }), { abortSignal: signal }),
      signal,
    );
  }

  async getObject(key: string, signal?: AbortSignal) {
    return this.call(
      'GetObject',
      key,
      () =>
        this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }), { abortSignal: signal }),
      signal,
    );
  }

  async deleteObject(key: string): Promise<void> {
    await this.call('DeleteObject', key, () =>
      this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key })),
    );
  }

  /**
   * Aborts a multipart upload: an upload already gone is fine, and an endpoint without
   * AbortMultipartUpload (s3rver) keeps the parts until its own cleanup (logged). Transient
   * failures are thrown, so the record stays for a later attempt to abort. Returns whether the
   * endpoint confirmed the abort.
   */
  async abortUpload(key: string, uploadId: string): Promise<boolean> {
    try {
      await this.call('AbortMultipartUpload', key, () =>
        this.client.send(
          new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: key, UploadId: uploadId }),
        ),
      );
      return true;
    } catch (error) {
      if (!(error instanceof ObjectStoreError)) throw error;
      if (error.kind === 'upload-lost' || error.kind === 'not-found') return true;
      if (!error.permanent) throw error;
      this.logger.warn(
        { endpoint: this.location.endpoint, bucket: this.bucket, key, uploadId, reason: error.message },
        'could not abort a multipart upload; its parts stay until the bucket lifecycle removes them',
      );
      return false;
    }
  }
}
