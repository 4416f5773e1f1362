// What every TRANSFER handler uses, built once per node by the role module (and by tests with
// real services). Constructors of the handlers take this one object so that a test can run them
// without a whole node.
import { CatalogRepository, EventsRepository } from '@portico/catalog';
import { type StoragePaths } from '@portico/storage';

import { type TransferStores } from '../stores/transfer-stores';
import { type LocalFiles } from './local-files';
import { type LiveSemaphore } from '@portico/jobs-runtime';

export interface TransferLogger {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
}

export interface TransferServicesInit {
  readonly clusterId: string;
  readonly stores: TransferStores;
  readonly paths: StoragePaths;
  readonly files: LocalFiles;
  /** Shared by uploads, archives and exports (`file_upload_parallel_uploads_num`). */
  readonly uploadSlots: LiveSemaphore;
  readonly logger: TransferLogger;
  /** Heartbeats at most this often. Default 2 s. */
  readonly progressIntervalMs?: number;
}

export class TransferServices {
  readonly clusterId: string;
  readonly stores: TransferStores;
  readonly paths: StoragePaths;
  readonly files: LocalFiles;
  readonly uploadSlots: LiveSemaphore;
  readonly logger: TransferLogger;
  readonly progressIntervalMs: number;
  readonly catalog = new CatalogRepository();
  readonly events = new EventsRepository();

  constructor(init: TransferServicesInit) {
    this.clusterId = init.clusterId;
    this.stores = init.stores;
    this.paths = init.paths;
    this.files = init.files;
    this.uploadSlots = init.uploadSlots;
    this.logger = init.logger;
    this.progressIntervalMs = init.progressIntervalMs ?? 2_000;
  }
}
