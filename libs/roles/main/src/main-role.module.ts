import { Module } from '@nestjs/common';
import { NODE_RUNTIME, type NodeRuntime } from '@portico/platform';
import { FsStoragePaths } from '@portico/storage';
import { EventsService } from './events/events.service';
import { StorageFiles } from './events/storage-files';
import { FsStorageFiles } from './events/storage-files.adapter';
import { HousekeepingService } from './housekeeping/housekeeping.service';
import { ScanService } from './scan-loop/scan.service';

/**
 * The MAIN role: the leader-only work of a cluster — scanning and ingest, control-plane events,
 * housekeeping, lease reaping.
 */
@Module({
  providers: [
    HousekeepingService,
    ScanService,
    EventsService,
    {
      provide: StorageFiles,
      inject: [NODE_RUNTIME],
      useFactory: (runtime: NodeRuntime) => new FsStorageFiles(new FsStoragePaths(runtime.mountPoint)),
    },
  ],
})
export class MainRoleModule {}
