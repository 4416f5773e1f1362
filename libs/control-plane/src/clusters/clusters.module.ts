import { Module } from '@nestjs/common';
import { ClustersController } from './clusters.controller';
import { ClustersRepository } from './clusters.repository';

@Module({
  controllers: [ClustersController],
  providers: [ClustersRepository],
  exports: [ClustersRepository],
})
export class ClustersModule {}
