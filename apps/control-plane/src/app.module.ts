import { type DynamicModule, Module } from '@nestjs/common';
import { PingController } from './ping.controller';

/** Composition root of the control plane: the platform, the REST API and, later, the web console. */
@Module({})
export class ControlPlaneAppModule {
  static forRoot(platform: DynamicModule, api: DynamicModule): DynamicModule {
    return { module: ControlPlaneAppModule, imports: [platform, api], controllers: [PingController] };
  }
}
