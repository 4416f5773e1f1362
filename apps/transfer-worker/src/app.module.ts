import { type DynamicModule, Module } from '@nestjs/common';
import { TransferRoleModule } from '@portico/role-transfer';

/** Composition root of the transfer-worker app: the TRANSFER role. */
@Module({})
export class TransferWorkerAppModule {
  static forRoot(platform: DynamicModule): DynamicModule {
    return { module: TransferWorkerAppModule, imports: [platform, TransferRoleModule] };
  }
}
