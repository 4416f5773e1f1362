import { ControlPlaneModule } from '@portico/control-plane';
import { migrate } from '@portico/db';
import { connectDatabase, DatabaseReadinessCheck, PlatformModule, runApp } from '@portico/platform';
import { loadControlPlaneConfig, type ControlPlaneConfig } from '@portico/settings';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { Pool } from 'pg';
import { ControlPlaneAppModule } from './app.module';
import { CONTROL_PLANE_ENV_ALLOW_LIST, secretKeyFrom } from './secret-key';
import { CONTROL_PLANE_POOL } from './tokens';

let pool: Pool | undefined;

type AppConfig = ControlPlaneConfig & { readonly secretKey: string | undefined };

void runApp<AppConfig>({
  app: 'control-plane',
  loadConfig: () => ({
    ...loadControlPlaneConfig({
      argv: process.argv.slice(2),
      env: process.env,
      cwd: process.cwd(),
      allowEnv: CONTROL_PLANE_ENV_ALLOW_LIST,
    }),
    secretKey: secretKeyFrom(process.env),
  }),
  http: (config) => ({ host: config.httpHost, port: config.httpPort }),
  logLevel: (config) => config.logLevel,
  async prepare(config, context) {
    pool = await connectDatabase(config.databaseUrl, context.logger);
    const opened = pool;
    context.onShutdown(() => opened.end());
    // The control plane owns the schema: it migrates before serving (idempotent, locked).
    const report = await migrate(config.databaseUrl, { logger: context.logger });
    context.logger.info(report, 'database schema up to date');
  },
  module(config, context) {
    if (!pool) throw new Error('database pool missing after prepare');
    const platform = PlatformModule.forRoot({
      logger: context.logger,
      metrics: context.metrics,
      readiness: [new DatabaseReadinessCheck(pool)],
      providers: [{ provide: CONTROL_PLANE_POOL, useValue: pool }],
    });
    const api = ControlPlaneModule.forRoot({
      pool,
      adminToken: config.adminToken,
      redis: config.redisUrl ? { url: config.redisUrl } : undefined,
      logger: context.logger.child({ component: 'api' }),
      metrics: context.metrics,
      secretKey: config.secretKey,
    });
    return ControlPlaneAppModule.forRoot(platform, api);
  },
  configure(app, _config, context) {
    ControlPlaneModule.configureHttp(app);
    const document = SwaggerModule.createDocument(
      app,
      new DocumentBuilder()
        .setTitle('Portico control plane')
        .setVersion(context.version)
        .addBearerAuth()
        .build(),
    );
    SwaggerModule.setup('api/docs', app, document);
  },
});
