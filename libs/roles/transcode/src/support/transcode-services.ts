// What the TRANSCODE handler uses, built once per node by the role module (and by tests with real
// services): one object so that a test can run the handler without a whole node.
import { CatalogRepository } from '@portico/catalog';
import { type JobProducer } from '@portico/jobs-runtime';
import { type MediaTool } from '@portico/media';
import { type TranscodeProfiles } from '@portico/settings';
import { type FileHasher, type StoragePaths } from '@portico/storage';

import { type ProxyStoreLocator } from '../stores/proxy-store-locator';
import { type OutputFiles } from './output-files';
import { type KeyedSemaphores } from '@portico/jobs-runtime';

export interface TranscodeLogger {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
}

export interface TranscodeServicesInit {
  readonly clusterId: string;
  readonly paths: StoragePaths;
  readonly media: MediaTool;
  readonly hasher: FileHasher;
  readonly outputs: OutputFiles;
  readonly proxyStore: ProxyStoreLocator;
  readonly producer: Pick<JobProducer, 'send' | 'wake'>;
  /** The live `transcode_profiles` setting. */
  readonly profiles: () => TranscodeProfiles;
  /** One semaphore per profile, sized by `max_transcoding_jobs`. */
  readonly slots: KeyedSemaphores;
  readonly logger: TranscodeLogger;
  /** Heartbeats at most this often. Default 2 s. */
  readonly progressIntervalMs?: number;
}

export class TranscodeServices {
  readonly clusterId: string;
  readonly paths: StoragePaths;
  readonly media: MediaTool;
  readonly hasher: FileHasher;
  readonly outputs: OutputFiles;
  readonly proxyStore: ProxyStoreLocator;
  readonly producer: Pick<JobProducer, 'send' | 'wake'>;
  readonly profiles: () => TranscodeProfiles;
  readonly slots: KeyedSemaphores;
  readonly logger: TranscodeLogger;
  readonly progressIntervalMs: number;
  readonly catalog = new CatalogRepository();

  constructor(init: TranscodeServicesInit) {
    this.clusterId = init.clusterId;
    this.paths = init.paths;
    this.media = init.media;
    this.hasher = init.hasher;
    this.outputs = init.outputs;
    this.proxyStore = init.proxyStore;
    this.producer = init.producer;
    this.profiles = init.profiles;
    this.slots = init.slots;
    this.logger = init.logger;
    this.progressIntervalMs = init.progressIntervalMs ?? 2_000;
  }
}
