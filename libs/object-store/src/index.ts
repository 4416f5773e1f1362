// Public API of @portico/object-store: the ObjectStore port (roles depend on it), its S3 adapter,
// the multipart state store (port + PostgreSQL repository), export, errors — and the local S3
// endpoint for `portico up` and the test harness.
export {
  LOCAL_S3_SCRIPT,
  startLocalS3,
  type LocalS3,
  type LocalS3Options,
} from './local-s3/local-s3.adapter';

export {
  ObjectStore,
  ObjectStoreFactory,
  type DownloadRequest,
  type DownloadResult,
  type ObjectInfo,
  type UploadRequest,
  type UploadResult,
} from './store/object-store';
export {
  S3ObjectStore,
  S3ObjectStoreFactory,
  type S3ObjectStoreOptions,
} from './store/s3-object-store.adapter';
export { type ObjectStoreLogger, SILENT_LOGGER } from './store/logger';
export { CHECKSUM_METADATA } from './store/bucket-client.adapter';
export {
  normalizePrefix,
  storeLocation,
  type ObjectStoreConfig,
  type ObjectStoreCredentials,
  type StoreLocation,
} from './config/object-store-config';
export { createS3Client, type S3ClientOptions } from './client/s3-client.adapter';
export {
  isObjectStoreError,
  ObjectStoreError,
  type ObjectStoreErrorDetails,
  type ObjectStoreErrorKind,
} from './errors/object-store-error';
export { classifyS3Error, type S3ErrorContext } from './errors/classify-s3-error';
export {
  checkChecksum,
  formatChecksum,
  parseChecksum,
  type Checksum,
  type ChecksumAlgorithm,
} from './checksum/checksum';
export { hashFile } from './checksum/hash-file.adapter';
export {
  MultipartStateGoneError,
  MultipartStateStore,
  type BeginUpload,
  type MultipartTarget,
  type MultipartUploadState,
  type OtherUpload,
  type RecordedPart,
} from './multipart/multipart-state-store';
export { MultipartStateRepository } from './multipart/multipart-state.repository';
export {
  choosePartSize,
  planParts,
  MIB,
  MIN_PART_SIZE,
  MAX_PARTS,
  type PartSizeOptions,
} from './multipart/part-plan';
export { type ProgressListener, type TransferProgress } from './progress/progress-meter';
export { type VerifiedBy } from './upload/verify-stored-object.adapter';
export {
  exportFile,
  exportObject,
  type ExportFileRequest,
  type ExportObjectRequest,
} from './export/export.adapter';
