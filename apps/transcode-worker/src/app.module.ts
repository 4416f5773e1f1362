import { type DynamicModule, Module } from '@nestjs/common';
import { TranscodeRoleModule } from '@portico/role-transcode';

/** Composition root of the transcode-worker app: the TRANSCODE role. */
@Module({})
export class TranscodeWorkerAppModule {
  static forRoot(platform: DynamicModule): DynamicModule {
    return { module: TranscodeWorkerAppModule, imports: [platform, TranscodeRoleModule] };
  }
}
