import { Module, type OnModuleDestroy } from '@nestjs/common';
import { LiveSemaphore } from '@portico/jobs-runtime';
import { LOGGER, type Logger, NODE_RUNTIME, type NodeRuntime } from '@portico/platform';
import { MultipartStateRepository, S3ObjectStoreFactory } from '@portico/object-store';
import { FsStoragePaths, StoragePaths } from '@portico/storage';

import { ArchiveHandler } from './handlers/archive.handler.provider';
import { ExportHandler } from './handlers/export.handler.provider';
import { RestoreHandler } from './handlers/restore.handler.provider';
import { UploadHandler } from './handlers/upload.handler.provider';
import { TransferStores } from './stores/transfer-stores';
import { NodeLocalFiles } from './support/local-files.adapter';
import { TransferServices } from './support/transfer-services';

/**
 * The TRANSFER role: uploads outputs to the proxy store, archives originals, restores them, and
 * exports. Object store configuration comes from the control plane (GET /nodes/me/storage).
 */
@Module({
  providers: [
    // Handlers are plain classes (no Nest import, so tests load them without Nest), made here.
    ...[UploadHandler, ArchiveHandler, RestoreHandler, ExportHandler].map((Handler) => ({
      provide: Handler,
      inject: [TransferServices],
      useFactory: (services: TransferServices) => new Handler(services),
    })),
    {
      provide: StoragePaths,
      inject: [NODE_RUNTIME],
      useFactory: (runtime: NodeRuntime) => new FsStoragePaths(runtime.mountPoint),
    },
    {
      provide: TransferStores,
      inject: [NODE_RUNTIME, LOGGER],
      useFactory: (runtime: NodeRuntime, logger: Logger) => {
        const log = logger.child({ role: 'TRANSFER' });
        const factory = new S3ObjectStoreFactory({
          clusterId: runtime.identity.clusterId,
          states: new MultipartStateRepository(runtime.pool),
          logger: log,
        });
        return new TransferStores(runtime.storageView, factory, { env: runtime.secretEnv });
      },
    },
    {
      provide: TransferServices,
      inject: [NODE_RUNTIME, LOGGER, TransferStores, StoragePaths],
      useFactory: (runtime: NodeRuntime, logger: Logger, stores: TransferStores, paths: StoragePaths) =>
        new TransferServices({
          clusterId: runtime.identity.clusterId,
          stores,
          paths,
          files: new NodeLocalFiles(),
          // Upload, archive and export consumers each get this many slots from the runtime; the
          // shared semaphore keeps their sum to the setting.
          uploadSlots: new LiveSemaphore(
            () => runtime.settings.current.values.file_upload_parallel_uploads_num,
          ),
          logger: logger.child({ role: 'TRANSFER' }),
        }),
    },
  ],
})
export class TransferRoleModule implements OnModuleDestroy {
  constructor(private readonly stores: TransferStores) {}

  onModuleDestroy(): void {
    this.stores.close();
  }
}
