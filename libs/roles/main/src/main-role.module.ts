import { Module } from '@nestjs/common';
import { HousekeepingService } from './housekeeping/housekeeping.service';

/** The MAIN role: the leader-only work of a cluster (housekeeping now; scanning and ingest next). */
@Module({ providers: [HousekeepingService] })
export class MainRoleModule {}
