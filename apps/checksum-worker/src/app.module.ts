import { type DynamicModule, Module } from '@nestjs/common';

/** Composition root of the checksum-worker app: the CHECKSUM role. */
@Module({})
export class ChecksumWorkerAppModule {
  static forRoot(platform: DynamicModule): DynamicModule {
    return { module: ChecksumWorkerAppModule, imports: [platform] };
  }
}
