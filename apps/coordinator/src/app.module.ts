import { type DynamicModule, Module } from '@nestjs/common';
import { MainRoleModule } from '@portico/role-main';

/** Composition root of the coordinator app: the MAIN role (election, housekeeping; scanning, ingest and events next). */
@Module({})
export class CoordinatorAppModule {
  static forRoot(platform: DynamicModule): DynamicModule {
    return { module: CoordinatorAppModule, imports: [platform, MainRoleModule] };
  }
}
