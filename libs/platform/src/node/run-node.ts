import type { DynamicModule, INestApplication } from '@nestjs/common';
import { JobsModule } from '@portico/jobs-runtime/nest';
import { runApp, type AppContext } from '../bootstrap/run-app';
import { PlatformModule } from '../platform.module';
import { loadNodeConfig, type NodeAppName, type NodeConfig } from './node-config';
import { startNodeRuntime, type NodeRuntime } from './node-runtime';
import { nodeSettingsController } from './node-settings.controller';

/** Injection tokens a node's role modules use. */
export const NODE_CONFIG = Symbol('NODE_CONFIG');
export const NODE_RUNTIME = Symbol('NODE_RUNTIME');

export interface NodeAppSpec {
  app: NodeAppName;
  /** The app's root module: composes the platform module with the role modules of its roles. */
  root(platform: DynamicModule, config: NodeConfig, runtime: NodeRuntime): DynamicModule;
}

/** Boots a node process (gateway, coordinator or a role worker). */
export function runNode(spec: NodeAppSpec): Promise<INestApplication | undefined> {
  let runtime: NodeRuntime | undefined;
  return runApp<NodeConfig>({
    app: spec.app,
    loadConfig: () =>
      loadNodeConfig(spec.app, { argv: process.argv.slice(2), env: process.env, cwd: process.cwd() }),
    http: (config) => ({ host: config.local.main.httpHost, port: config.local.main.httpPort ?? 0 }),
    logLevel: (config) => config.local.main.logLevel,
    async prepare(config: NodeConfig, context: AppContext) {
      context.logger.info({ roles: config.roles, config: config.local.file }, 'starting node');
      runtime = await startNodeRuntime(config, context);
    },
    module(config: NodeConfig, context: AppContext) {
      if (!runtime) throw new Error('node runtime missing after prepare');
      const platform = PlatformModule.forRoot({
        logger: context.logger,
        metrics: context.metrics,
        readiness: runtime.readiness,
        providers: [
          { provide: NODE_CONFIG, useValue: config },
          { provide: NODE_RUNTIME, useValue: runtime },
        ],
      });
      const root = spec.root(platform, config, runtime);
      return {
        ...root,
        imports: [...(root.imports ?? []), JobsModule.forRoot(runtime.jobs.runtime)],
        controllers: [...(root.controllers ?? []), nodeSettingsController(runtime)],
      };
    },
  });
}
