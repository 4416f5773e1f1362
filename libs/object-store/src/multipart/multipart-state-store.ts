// The port to the persisted state of multipart uploads, shared by every node of a cluster: a
// retried upload job, wherever it runs, finds the upload id and the parts already sent, and sends
// only the rest. A part is recorded only after the endpoint acknowledged it and its ETag checked.
import { type Checksum } from '../checksum/checksum';

/** One destination object for one source content. */
export interface MultipartTarget {
  readonly clusterId: string;
  /** StoreLocation.endpoint: the URL without credentials, or `aws:<region>`. */
  readonly endpoint: string;
  readonly bucket: string;
  /** The full key, prefix included. */
  readonly key: string;
  readonly checksum: Checksum;
}

export interface RecordedPart {
  readonly partNumber: number;
  readonly size: number;
  /** As the endpoint returned it (quotes included). */
  readonly etag: string;
  /** MD5 of the part's bytes, lower-case hex. */
  readonly md5: string;
}

export interface MultipartUploadState {
  /** Our id for the record. */
  readonly id: string;
  /** The endpoint's UploadId. */
  readonly uploadId: string;
  readonly partSize: number;
  readonly totalSize: number;
  /** In part-number order. */
  readonly parts: readonly RecordedPart[];
}

/** Another upload to the same destination, of a different content: stale once a new one starts. */
export interface OtherUpload {
  readonly id: string;
  readonly uploadId: string;
  readonly checksum: Checksum;
}

export interface BeginUpload {
  readonly uploadId: string;
  readonly partSize: number;
  readonly totalSize: number;
}

/** Thrown by recordPart when the upload's record was removed meanwhile (aborted by another attempt). */
export class MultipartStateGoneError extends Error {
  override readonly name = 'MultipartStateGoneError';

  constructor(readonly stateId: string) {
    super(
      `The multipart upload record ${stateId} was removed while parts were being sent (another ` +
        'attempt aborted or completed it); this attempt stops and the job will be retried.',
    );
  }
}

export abstract class MultipartStateStore {
  abstract find(target: MultipartTarget): Promise<MultipartUploadState | null>;
  /**
   * Records a new upload unless one exists for the target; returns the record that won (`created`
   * false when another attempt's upload was there first: the caller aborts its own UploadId).
   */
  abstract begin(
    target: MultipartTarget,
    upload: BeginUpload,
  ): Promise<{ state: MultipartUploadState; created: boolean }>;
  /** Records (or replaces) a part that the endpoint acknowledged and we verified. */
  abstract recordPart(stateId: string, part: RecordedPart): Promise<void>;
  /** Uploads to the same destination whose content checksum differs from `target`'s. */
  abstract others(target: MultipartTarget): Promise<OtherUpload[]>;
  /** Forgets an upload and its parts (after completion or abort). */
  abstract remove(stateId: string): Promise<void>;
}
