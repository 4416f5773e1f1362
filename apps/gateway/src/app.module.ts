import { type DynamicModule, Module, type Type } from '@nestjs/common';
import type { NodeConfig } from '@portico/platform';
import { ChecksumRoleModule } from '@portico/role-checksum';
import { MainRoleModule } from '@portico/role-main';
import { TranscodeRoleModule } from '@portico/role-transcode';
import { TransferRoleModule } from '@portico/role-transfer';

/** The role modules a gateway composes, by role. */
const ROLE_MODULES: Readonly<Record<NodeConfig['roles'][number], Type>> = {
  MAIN: MainRoleModule,
  CHECKSUM: ChecksumRoleModule,
  TRANSCODE: TranscodeRoleModule,
  TRANSFER: TransferRoleModule,
};

/** Composition root of the gateway app: a node with any combination of roles in one process. */
@Module({})
export class GatewayAppModule {
  static forRoot(platform: DynamicModule, config: NodeConfig): DynamicModule {
    return {
      module: GatewayAppModule,
      imports: [platform, ...config.roles.map((role) => ROLE_MODULES[role])],
    };
  }
}
