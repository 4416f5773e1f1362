import { type DynamicModule, Module } from '@nestjs/common';
import type { NodeConfig } from '@portico/platform';
import { MainRoleModule } from '@portico/role-main';

/** Composition root of the gateway app: a node with any combination of roles in one process. */
@Module({})
export class GatewayAppModule {
  static forRoot(platform: DynamicModule, config: NodeConfig): DynamicModule {
    const roles = config.roles.includes('MAIN') ? [MainRoleModule] : [];
    return { module: GatewayAppModule, imports: [platform, ...roles] };
  }
}
