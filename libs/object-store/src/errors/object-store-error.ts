// The one error type of the object store. `permanent` is what the job runtime reads: a permanent
// failure goes straight to the dead letter (retrying cannot fix wrong credentials or a missing
// bucket), anything else is retried with backoff. Messages never contain a secret.

export type ObjectStoreErrorKind =
  /** Credentials refused or access denied. */
  | 'auth'
  | 'no-such-bucket'
  | 'not-found'
  /** The bucket lives in another region, or the endpoint redirects. */
  | 'wrong-region'
  /** The endpoint rejected the request as malformed or unsupported. */
  | 'invalid-request'
  /** The object is in a cold storage class and must be restored first. */
  | 'archived'
  | 'invalid-config'
  | 'throttled'
  | 'server'
  | 'network'
  /** Bytes damaged in transit (BadDigest, short body, ETag of a part not its MD5). */
  | 'integrity'
  /** The stored object or the downloaded bytes do not have the expected checksum. */
  | 'checksum-mismatch'
  /** The local source no longer has the content the transfer was asked for. */
  | 'source-changed'
  /** A different file is already at the download target; it is never overwritten. */
  | 'target-exists'
  /** The multipart upload (or its recorded state) vanished under this attempt. */
  | 'upload-lost'
  /** Reading the source or writing the target on the local file system failed. */
  | 'local-io'
  | 'aborted'
  | 'unknown';

const PERMANENT: Readonly<Record<ObjectStoreErrorKind, boolean>> = {
  auth: true,
  'no-such-bucket': true,
  'not-found': true,
  'wrong-region': true,
  'invalid-request': true,
  archived: true,
  'invalid-config': true,
  throttled: false,
  server: false,
  network: false,
  integrity: false,
  // Overridden per case: permanent when the stored object itself is wrong, not the transit.
  'checksum-mismatch': true,
  'source-changed': true,
  'target-exists': true,
  'upload-lost': false,
  // Overridden per case: permanent for permissions, retryable for the rest.
  'local-io': false,
  aborted: false,
  unknown: false,
};

export interface ObjectStoreErrorDetails {
  /** The endpoint URL without credentials, or `aws:<region>`. */
  readonly endpoint?: string;
  readonly bucket?: string;
  /** The full object key (prefix included). */
  readonly key?: string;
  /** A local file involved (upload source, download target). */
  readonly path?: string;
  /** The S3 operation or step that failed, e.g. `UploadPart`, `verify`. */
  readonly operation?: string;
  /** The S3 error code (`AccessDenied`) or the system error code (`ECONNREFUSED`). */
  readonly code?: string;
  readonly httpStatus?: number;
  /** Overrides the kind's default permanence. */
  readonly permanent?: boolean;
}

export class ObjectStoreError extends Error {
  override readonly name = 'ObjectStoreError';
  readonly permanent: boolean;
  readonly endpoint: string | undefined;
  readonly bucket: string | undefined;
  readonly key: string | undefined;
  readonly path: string | undefined;
  readonly operation: string | undefined;
  readonly code: string | undefined;
  readonly httpStatus: number | undefined;

  constructor(
    readonly kind: ObjectStoreErrorKind,
    message: string,
    details: ObjectStoreErrorDetails = {},
  ) {
    super(message);
    this.permanent = details.permanent ?? PERMANENT[kind];
    this.endpoint = details.endpoint;
    this.bucket = details.bucket;
    this.key = details.key;
    this.path = details.path;
    this.operation = details.operation;
    this.code = details.code;
    this.httpStatus = details.httpStatus;
  }
}

export function isObjectStoreError(error: unknown, kind?: ObjectStoreErrorKind): error is ObjectStoreError {
  return error instanceof ObjectStoreError && (kind === undefined || error.kind === kind);
}
