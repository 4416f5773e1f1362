import { Module } from '@nestjs/common';
import { ClustersModule } from '../clusters/clusters.module';
import { StoragesModule } from '../storages/storages.module';
import { NodeSelfController } from './node-self.controller';
import { NodesController } from './nodes.controller';
import { NodesRepository } from './nodes.repository';

@Module({
  // StoragesModule for GET /nodes/me/storage; the object stores come from the global ObjectStoresModule.
  imports: [ClustersModule, StoragesModule],
  // NodeSelfController first: its /nodes/me and /nodes/register must be matched before /nodes/:id.
  controllers: [NodeSelfController, NodesController],
  providers: [NodesRepository],
  exports: [NodesRepository],
})
export class NodesModule {}
