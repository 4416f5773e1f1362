// Public API of the TRANSFER role (SPEC 2.6): the Nest module the apps compose, and its parts for tests.
export { TransferRoleModule } from './transfer-role.module';
export { UploadHandler, type UploadOutput } from './handlers/upload.handler.provider';
export { ArchiveHandler, type ArchiveOutput } from './handlers/archive.handler.provider';
export { RestoreHandler, type RestoreOutput } from './handlers/restore.handler.provider';
export { ExportHandler, type ExportOutput } from './handlers/export.handler.provider';
export { TransferStores, type TransferStoresOptions } from './stores/transfer-stores';
export { LocalFiles, type LocalFileInfo } from './support/local-files';
export { NodeLocalFiles } from './support/local-files.adapter';
export {
  TransferServices,
  type TransferServicesInit,
  type TransferLogger,
} from './support/transfer-services';
export { TransferCatalogError, TransferConfigError } from './support/transfer-errors';
export { heartbeatProgress, progressRecord, type ProgressRecord } from './support/transfer-progress';
