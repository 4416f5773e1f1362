import { Module } from '@nestjs/common';
import { CatalogModule } from '../catalog/catalog.module';
import { ClustersModule } from '../clusters/clusters.module';
import { StoragesModule } from '../storages/storages.module';
import { EventsController } from './events.controller';

/** Events; the object-stores repository comes from the global ObjectStoresModule. */
@Module({
  imports: [ClustersModule, CatalogModule, StoragesModule],
  controllers: [EventsController],
})
export class EventsModule {}
