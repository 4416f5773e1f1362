import { Module } from '@nestjs/common';
import { HousekeepingService } from './housekeeping/housekeeping.service';
import { ScanService } from './scan-loop/scan.service';

/** The MAIN role: the leader-only work of a cluster — scanning and ingest, housekeeping, lease reaping. */
@Module({ providers: [HousekeepingService, ScanService] })
export class MainRoleModule {}
