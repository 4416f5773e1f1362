import { type DynamicModule, Module } from '@nestjs/common';
import { ClustersModule } from '../clusters/clusters.module';
import { ObjectStoresController } from './object-stores.controller';
import { ObjectStoresRepository } from './object-stores.repository';
import { SecretBox } from './secret-box';

export interface ObjectStoresOptions {
  /** The control plane's secret-key; without it only env:NAME references can be stored. */
  readonly secretKey?: string;
}

/**
 * Object stores and the SecretBox that seals their secrets. Global, so that the node view
 * (GET /nodes/me/storage) and the events module reach the repository and the box.
 */
@Module({})
export class ObjectStoresModule {
  static forRoot(options: ObjectStoresOptions): DynamicModule {
    const providers = [
      ObjectStoresRepository,
      { provide: SecretBox, useValue: new SecretBox(options.secretKey) },
    ];
    return {
      module: ObjectStoresModule,
      global: true,
      imports: [ClustersModule],
      controllers: [ObjectStoresController],
      providers,
      exports: providers,
    };
  }
}
