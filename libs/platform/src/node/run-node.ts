import type { DynamicModule, INestApplication } from '@nestjs/common';
import type { Pool } from 'pg';
import { connectDatabase } from '../bootstrap/database';
import { runApp, type AppContext } from '../bootstrap/run-app';
import { DatabaseReadinessCheck } from '../health/database.indicator';
import { HttpEndpointReadinessCheck } from '../health/http-endpoint.indicator';
import type { ReadinessCheck } from '../health/readiness';
import { PlatformModule } from '../platform.module';
import { loadNodeConfig, type NodeAppName, type NodeConfig } from './node-config';

/** Injection tokens a node's role modules use. */
export const NODE_CONFIG = Symbol('NODE_CONFIG');
export const DATABASE_POOL = Symbol('DATABASE_POOL');

export interface NodeAppSpec {
  app: NodeAppName;
  /** The app's root module: composes the platform module with the role modules of its roles. */
  root(platform: DynamicModule, config: NodeConfig): DynamicModule;
}

/** Boots a node process (gateway, coordinator or a role worker). */
export function runNode(spec: NodeAppSpec): Promise<INestApplication | undefined> {
  let pool: Pool | undefined;
  return runApp<NodeConfig>({
    app: spec.app,
    loadConfig: () =>
      loadNodeConfig(spec.app, { argv: process.argv.slice(2), env: process.env, cwd: process.cwd() }),
    http: (config) => ({ host: config.local.main.httpHost, port: config.local.main.httpPort ?? 0 }),
    logLevel: (config) => config.local.main.logLevel,
    async prepare(config: NodeConfig, context: AppContext) {
      context.logger.info({ roles: config.roles, config: config.local.file }, 'starting node');
      pool = await connectDatabase(config.databaseUrl, context.logger);
      const opened = pool;
      context.onShutdown(() => opened.end());
    },
    module(config: NodeConfig, context: AppContext) {
      if (!pool) throw new Error('database pool missing after prepare');
      const readiness: ReadinessCheck[] = [new DatabaseReadinessCheck(pool)];
      if (config.controlPlaneUrl) {
        readiness.push(
          new HttpEndpointReadinessCheck(
            'control-plane',
            new URL('/api/v1/ping', config.controlPlaneUrl).toString(),
          ),
        );
      }
      const platform = PlatformModule.forRoot({
        logger: context.logger,
        metrics: context.metrics,
        readiness,
        providers: [
          { provide: NODE_CONFIG, useValue: config },
          { provide: DATABASE_POOL, useValue: pool },
        ],
      });
      return spec.root(platform, config);
    },
  });
}
