import { type DynamicModule, Global, Module, type Provider } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import type { Logger } from 'pino';
import { HealthController } from './health/health.controller';
import { READINESS_CHECKS, type ReadinessCheck } from './health/readiness';
import { MetricsController } from './metrics/metrics.controller';
import { MetricsRegistry } from './metrics/metrics';

/** Injection token for the app's pino logger. */
export const LOGGER = Symbol('LOGGER');

export interface PlatformOptions {
  logger: Logger;
  metrics: MetricsRegistry;
  readiness: ReadinessCheck[];
  /** Extra providers the app shares with its modules (config, pools). */
  providers?: Provider[];
}

/** What every Portico HTTP process has: /health/live, /health/ready, /metrics and a logger. */
@Global()
@Module({})
export class PlatformModule {
  static forRoot(options: PlatformOptions): DynamicModule {
    const providers: Provider[] = [
      { provide: LOGGER, useValue: options.logger },
      { provide: MetricsRegistry, useValue: options.metrics },
      { provide: READINESS_CHECKS, useValue: options.readiness },
      ...(options.providers ?? []),
    ];
    return {
      module: PlatformModule,
      imports: [TerminusModule.forRoot({ logger: false, errorLogStyle: 'json' })],
      controllers: [HealthController, MetricsController],
      providers,
      exports: providers,
    };
  }
}
