// The ObjectStore port on any S3-compatible endpoint.
import { type S3Client } from '@aws-sdk/client-s3';

import { type Checksum, type ChecksumAlgorithm, parseChecksum } from '../checksum/checksum';
import { plainMd5Etag } from '../checksum/etag';
import { createS3Client, type S3ClientOptions } from '../client/s3-client.adapter';
import { fullKey } from '../config/object-key';
import {
  type ObjectStoreConfig,
  secretScrubber,
  storeLocation,
  type StoreLocation,
} from '../config/object-store-config';
import {
  type DownloadRequest,
  type DownloadResult,
  downloadObject,
} from '../download/download-object.adapter';
import { ObjectStoreError } from '../errors/object-store-error';
import { type MultipartStateStore } from '../multipart/multipart-state-store';
import { MIB, MAX_PART_SIZE, type PartSizeOptions } from '../multipart/part-plan';
import { uploadFile, type UploadSettings } from '../upload/upload-file.adapter';
import { hashStoredObject } from '../upload/verify-stored-object.adapter';
import { BucketClient, CHECKSUM_METADATA } from './bucket-client.adapter';
import { type ObjectStoreLogger, SILENT_LOGGER } from './logger';
import {
  type ObjectInfo,
  ObjectStore,
  ObjectStoreFactory,
  type UploadRequest,
  type UploadResult,
} from './object-store';

export interface S3ObjectStoreOptions {
  /** Multipart records are per cluster. */
  readonly clusterId: string;
  readonly states: MultipartStateStore;
  readonly logger?: ObjectStoreLogger;
  /** A ready client (tests instrument one); by default one is made from the config. */
  readonly client?: S3Client;
  readonly clientOptions?: S3ClientOptions;
  /** Files up to this size go up in one PutObject. Default 16 MiB. */
  readonly multipartThresholdBytes?: number;
  readonly partSize?: PartSizeOptions;
  /** Parts in flight per upload. Default 4. */
  readonly partConcurrency?: number;
  /** Part buffers held per upload at most. Default 256 MiB. */
  readonly maxBufferBytes?: number;
  /** Progress callbacks at most this often. Default 250 ms. */
  readonly progressIntervalMs?: number;
}

function positive(name: string, value: number, max = Number.MAX_SAFE_INTEGER): number {
  if (!Number.isSafeInteger(value) || value < 1 || value > max)
    throw new ObjectStoreError(
      'invalid-config',
      `Object store option ${name} must be an integer in 1..${max}, got ${value}.`,
    );
  return value;
}

export class S3ObjectStore extends ObjectStore {
  readonly location: StoreLocation;
  private readonly bucket: BucketClient;
  private readonly settings: UploadSettings;
  private readonly progressIntervalMs: number;

  constructor(config: ObjectStoreConfig, options: S3ObjectStoreOptions) {
    super();
    this.location = storeLocation(config);
    const client = options.client ?? createS3Client(config, options.clientOptions);
    this.bucket = new BucketClient(
      client,
      this.location,
      options.logger ?? SILENT_LOGGER,
      secretScrubber(config),
    );
    this.progressIntervalMs = options.progressIntervalMs ?? 250;
    this.settings = {
      clusterId: options.clusterId,
      states: options.states,
      partSize: options.partSize ?? {},
      concurrency: positive('partConcurrency', options.partConcurrency ?? 4, 64),
      maxBufferBytes: positive('maxBufferBytes', options.maxBufferBytes ?? 256 * MIB),
      multipartThreshold: positive(
        'multipartThresholdBytes',
        options.multipartThresholdBytes ?? 16 * MIB,
        MAX_PART_SIZE,
      ),
      progressIntervalMs: this.progressIntervalMs,
    };
  }

  async check(signal?: AbortSignal): Promise<void> {
    await this.bucket.checkBucket(signal);
  }

  upload(request: UploadRequest): Promise<UploadResult> {
    return uploadFile(this.bucket, this.settings, request);
  }

  download(request: DownloadRequest): Promise<DownloadResult> {
    return downloadObject(this.bucket, request, this.progressIntervalMs);
  }

  async stat(key: string, signal?: AbortSignal): Promise<ObjectInfo | null> {
    const full = fullKey(this.location, key);
    const head = await this.bucket.head(full, signal);
    if (!head) return null;
    const md5 = plainMd5Etag(head.etag);
    // A plain-MD5 ETag is the content's MD5 for objects not written by Portico (unless encrypted with SSE-C/KMS).
    const checksum: Checksum | undefined =
      parseChecksum(head.metadata[CHECKSUM_METADATA]) ?? (md5 ? { algorithm: 'md5', value: md5 } : undefined);
    return { key: full, size: head.size, etag: head.etag, checksum, lastModified: head.lastModified };
  }

  async computeChecksum(key: string, algorithm: ChecksumAlgorithm, signal?: AbortSignal): Promise<Checksum> {
    return (await hashStoredObject(this.bucket, fullKey(this.location, key), algorithm, signal)).checksum;
  }

  async delete(key: string): Promise<void> {
    await this.bucket.deleteObject(fullKey(this.location, key));
  }

  close(): void {
    this.bucket.client.destroy();
  }
}

/** Opens S3ObjectStores that share one cluster, state store, logger and tuning. */
export class S3ObjectStoreFactory extends ObjectStoreFactory {
  constructor(private readonly options: Omit<S3ObjectStoreOptions, 'client'>) {
    super();
  }

  open(config: ObjectStoreConfig): ObjectStore {
    return new S3ObjectStore(config, this.options);
  }
}
