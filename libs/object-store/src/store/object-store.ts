// The port every role depends on: one bucket (+ prefix) of one S3-compatible endpoint. The
// abstract classes are also the Nest injection tokens; S3ObjectStore / S3ObjectStoreFactory are
// the adapters. Keys given here are relative to the store's prefix.
import { type Checksum, type ChecksumAlgorithm } from '../checksum/checksum';
import { type ObjectStoreConfig, type StoreLocation } from '../config/object-store-config';
import { type DownloadRequest, type DownloadResult } from '../download/download-object.adapter';
import { type ProgressListener } from '../progress/progress-meter';
import { type VerifiedBy } from '../upload/verify-stored-object.adapter';

export interface UploadRequest {
  /** Absolute local path, already resolved inside the storage root by the caller. */
  readonly sourcePath: string;
  /** Relative to the store's prefix. */
  readonly key: string;
  /** The source's catalogued checksum: the upload is verified against it end to end. */
  readonly checksum: Checksum;
  readonly contentType?: string;
  readonly onProgress?: ProgressListener;
  /** Aborting stops the upload; parts already acknowledged stay recorded for the next attempt. */
  readonly signal?: AbortSignal;
}

export interface UploadResult {
  readonly bucket: string;
  /** Full key, prefix included. */
  readonly key: string;
  readonly size: number;
  readonly etag: string | undefined;
  readonly checksum: Checksum;
  /** `already-present`: the object was there with this checksum (an earlier attempt finished it). */
  readonly outcome: 'uploaded' | 'already-present';
  readonly method: 'single' | 'multipart' | 'none';
  /** Parts sent by this attempt (a single upload counts as one). */
  readonly partsSent: number;
  /** Parts of an earlier attempt that were kept. */
  readonly partsReused: number;
  /** How the stored object was proven equal to the source. */
  readonly verifiedBy: VerifiedBy | 'metadata';
}

export interface ObjectInfo {
  /** Full key, prefix included. */
  readonly key: string;
  readonly size: number;
  readonly etag: string | undefined;
  /** The checksum recorded by the upload (object metadata), else the ETag when it is a plain MD5. */
  readonly checksum: Checksum | undefined;
  readonly lastModified: Date | undefined;
}

export type { DownloadRequest, DownloadResult };

export abstract class ObjectStore {
  /** Endpoint (without credentials), region, bucket, prefix: safe to log. */
  abstract readonly location: StoreLocation;
  /** Reaches the bucket with the credentials; throws a classified error (`auth`, `no-such-bucket`, …). */
  abstract check(signal?: AbortSignal): Promise<void>;
  abstract upload(request: UploadRequest): Promise<UploadResult>;
  abstract download(request: DownloadRequest): Promise<DownloadResult>;
  /** null when the object does not exist. */
  abstract stat(key: string, signal?: AbortSignal): Promise<ObjectInfo | null>;
  /** Hashes the object as stored, by reading it. */
  abstract computeChecksum(
    key: string,
    algorithm: ChecksumAlgorithm,
    signal?: AbortSignal,
  ): Promise<Checksum>;
  /** Deleting a missing object succeeds. */
  abstract delete(key: string): Promise<void>;
  /** Releases the connections. */
  abstract close(): void;
}

export abstract class ObjectStoreFactory {
  /** A store for a configured bucket (proxy store, archive store, export target). */
  abstract open(config: ObjectStoreConfig): ObjectStore;
}
