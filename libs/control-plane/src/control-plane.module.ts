import { type DynamicModule, Global, type INestApplication, Module } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { MetricsRegistry } from '@portico/platform';
import type { Pool } from 'pg';
import type { Logger } from 'pino';
import { AuthModule } from './auth/auth.module';
import { ClustersModule } from './clusters/clusters.module';
import { ApiErrorFilter } from './common/api-error.provider';
import { CP_CONFIG, CP_DB, CP_LOGGER, type ControlPlaneRuntimeConfig } from './injection';
import { LogsModule } from './logs/logs.module';
import { ApiMetrics } from './metrics/api-metrics';
import { NodesModule } from './nodes/nodes.module';
import {
  NoSettingsBroadcast,
  RedisSettingsBroadcast,
  SettingsBroadcast,
} from './settings/settings-broadcast.adapter';
import { JobsModule } from './jobs/jobs.module';
import { StatusModule } from './status/status.module';
import { TelemetryModule } from './telemetry/telemetry.module';
import { TokensModule } from './tokens/tokens.module';
import { CatalogModule } from './catalog/catalog.module';
import { EventsModule } from './events/events.module';
import { ObjectStoresModule } from './object-stores/object-stores.module';
import { StoragesModule } from './storages/storages.module';
import { RemovalsModule } from './removals/removals.module';

export interface ControlPlaneOptions {
  /** The database (through pgBouncer in transaction mode); the app owns and closes it. */
  readonly pool: Pool;
  /** The bootstrap admin token from config; without it only admin tokens from the table are admins. */
  readonly adminToken?: string;
  /** Where settings changes are announced to nodes; without it nodes see changes at their next poll. */
  readonly redis?: { readonly url: string };
  readonly logger: Logger;
  /** The app's Prometheus registry (served at /metrics by the platform). */
  readonly metrics: MetricsRegistry;
  /** Default 1000 ms. */
  readonly offlineSweepIntervalMs?: number;
  /**
   * Key material (at least 32 characters) that object-store secrets are encrypted with
   * (AES-256-GCM); without it only env:NAME references to the nodes' environment can be stored.
   */
  readonly secretKey?: string;
}

/** Largest JSON body accepted: a full log batch (1000 lines of up to 16 KiB) with room to spare. */
export const MAX_BODY = '20mb';

/** What every API module shares: the pool, logger, config, metrics and the settings broadcast. */
@Global()
@Module({})
class ControlPlaneCoreModule {
  static forRoot(options: ControlPlaneOptions): DynamicModule {
    const config: ControlPlaneRuntimeConfig = {
      adminToken: options.adminToken,
      offlineSweepIntervalMs: options.offlineSweepIntervalMs ?? 1000,
    };
    const providers = [
      { provide: CP_DB, useValue: options.pool },
      { provide: CP_LOGGER, useValue: options.logger },
      { provide: CP_CONFIG, useValue: config },
      { provide: ApiMetrics, useValue: new ApiMetrics(options.metrics) },
      {
        provide: SettingsBroadcast,
        useFactory: (): SettingsBroadcast =>
          options.redis
            ? new RedisSettingsBroadcast(
                options.redis.url,
                options.logger.child({ component: 'settings-broadcast' }),
              )
            : new NoSettingsBroadcast(),
      },
      ApiErrorFilter,
    ];
    return { module: ControlPlaneCoreModule, providers, exports: providers };
  }
}

/**
 * The control-plane REST API (`/api/v1`): clusters, nodes, tokens, telemetry, logs and status,
 * behind bearer-token authentication. The app composes it next to the platform module.
 */
@Module({})
export class ControlPlaneModule {
  static forRoot(options: ControlPlaneOptions): DynamicModule {
    return {
      module: ControlPlaneModule,
      imports: [
        ControlPlaneCoreModule.forRoot(options),
        AuthModule,
        ClustersModule,
        NodesModule,
        TokensModule,
        TelemetryModule,
        LogsModule,
        StatusModule,
        JobsModule,
        StoragesModule,
        RemovalsModule,
        ObjectStoresModule.forRoot({ secretKey: options.secretKey }),
        CatalogModule,
        EventsModule,
      ],
    };
  }

  /** HTTP settings the API needs on the app before it listens: a JSON body limit that fits a log batch. */
  static configureHttp(app: INestApplication): void {
    (app as NestExpressApplication).useBodyParser('json', { limit: MAX_BODY });
  }
}
