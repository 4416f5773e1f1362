import { Module } from '@nestjs/common';
import { CatalogListRepository, CatalogRepository, EventsRepository } from '@portico/catalog';
import { ClustersModule } from '../clusters/clusters.module';
import { CatalogController } from './catalog.controller';

// The repositories of @portico/catalog are plain classes (nodes use them without Nest); each
// method takes the client to run on, so one instance serves every request.
const repositories = [
  { provide: CatalogRepository, useValue: new CatalogRepository() },
  { provide: CatalogListRepository, useValue: new CatalogListRepository() },
  { provide: EventsRepository, useValue: new EventsRepository() },
];

/** The catalog's read API; exports the catalog repositories to the events module. */
@Module({
  imports: [ClustersModule],
  controllers: [CatalogController],
  providers: repositories,
  exports: repositories,
})
export class CatalogModule {}
