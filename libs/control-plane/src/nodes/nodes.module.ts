import { Module } from '@nestjs/common';
import { ClustersModule } from '../clusters/clusters.module';
import { NodeSelfController } from './node-self.controller';
import { NodesController } from './nodes.controller';
import { NodesRepository } from './nodes.repository';

@Module({
  imports: [ClustersModule],
  // NodeSelfController first: its /nodes/me and /nodes/register must be matched before /nodes/:id.
  controllers: [NodeSelfController, NodesController],
  providers: [NodesRepository],
  exports: [NodesRepository],
})
export class NodesModule {}
