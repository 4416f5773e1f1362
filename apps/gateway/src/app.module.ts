import { type DynamicModule, Module } from '@nestjs/common';

/** Composition root of the gateway app: a node with any combination of roles in one process. */
@Module({})
export class GatewayAppModule {
  static forRoot(platform: DynamicModule): DynamicModule {
    return { module: GatewayAppModule, imports: [platform] };
  }
}
