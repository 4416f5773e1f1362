import { Module } from '@nestjs/common';
import { ClustersModule } from '../clusters/clusters.module';
import { StoragesController } from './storages.controller';
import { StoragesRepository } from './storages.repository';

@Module({
  imports: [ClustersModule],
  controllers: [StoragesController],
  providers: [StoragesRepository],
  exports: [StoragesRepository],
})
export class StoragesModule {}
