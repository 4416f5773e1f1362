import { type DynamicModule, Module } from '@nestjs/common';

/** Composition root of the coordinator app: the MAIN role (election, scanning, ingest, events, housekeeping). */
@Module({})
export class CoordinatorAppModule {
  static forRoot(platform: DynamicModule): DynamicModule {
    return { module: CoordinatorAppModule, imports: [platform] };
  }
}
