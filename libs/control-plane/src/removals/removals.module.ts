import { Module } from '@nestjs/common';
import { ClustersModule } from '../clusters/clusters.module';
import { StoragesModule } from '../storages/storages.module';
import { RemovalsController } from './removals.controller';
import { RemovalsRepository } from './removals.repository';

/** Held removals of a cluster's storage and operators' approvals of them. */
@Module({
  imports: [ClustersModule, StoragesModule],
  controllers: [RemovalsController],
  providers: [RemovalsRepository],
})
export class RemovalsModule {}
