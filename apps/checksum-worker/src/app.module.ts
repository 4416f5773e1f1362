import { type DynamicModule, Module } from '@nestjs/common';
import { ChecksumRoleModule } from '@portico/role-checksum';

/** Composition root of the checksum-worker app: the CHECKSUM role. */
@Module({})
export class ChecksumWorkerAppModule {
  static forRoot(platform: DynamicModule): DynamicModule {
    return { module: ChecksumWorkerAppModule, imports: [platform, ChecksumRoleModule] };
  }
}
