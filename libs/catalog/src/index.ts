// Public API of the catalog library: the catalog's vocabulary (pure) and the repositories that
// hold all catalog and event SQL, each method taking the caller's client (and so its transaction).
export * from './model/catalog-model';
export * from './model/events';
export * from './model/checksums';
export * from './model/media-kind';
export { assertCatalogPath, baseName, catalogPathProblem } from './model/catalog-path';
export { isSeqCursor } from './model/cursor';
export * from './errors';
export type { SqlClient } from './sql-client';
export {
  CatalogRepository,
  type ChecksumOutcome,
  type ChecksumRecord,
  type IngestInput,
  type IngestResult,
  type ObjectFileInput,
  type ReadinessOutcome,
  type RemovalOutcome,
  type StorageFileInput,
} from './catalog.repository';
export {
  CatalogListRepository,
  type AssetListQuery,
  type FileListQuery,
  type StorageWalkQuery,
} from './catalog-list.repository';
export {
  ChecksumBatchRepository,
  type ChecksumBatch,
  type ChecksumBatchItem,
  type OutputPlan,
  type RecordedChecksums,
} from './checksum-batch.repository';
export { EventsRepository, type ClaimRequest, type EventListQuery } from './events.repository';
