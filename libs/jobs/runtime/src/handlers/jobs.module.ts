// Nest wiring of the job runtime: at bootstrap it discovers every provider method marked with
// @OnJob, refuses to start on a miswiring (HandlerDiscoveryError), and starts the consumers; before
// shutdown it stops them (grace, then hand-back), so nothing stays active until its lease expires.
import {
  type BeforeApplicationShutdown,
  type DynamicModule,
  Inject,
  Injectable,
  Module,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { DiscoveryModule, DiscoveryService } from '@nestjs/core';

import { type JobBatchContext, type JobContext } from '../job-consumer';
import { type DiscoveredHandler, JobsRuntime } from './jobs-runtime';
import { markedHandlersOf } from './on-job';

export const JOBS_RUNTIME = Symbol('JOBS_RUNTIME');

@Injectable()
class JobHandlersLifecycle implements OnApplicationBootstrap, BeforeApplicationShutdown {
  constructor(
    private readonly discovery: DiscoveryService,
    @Inject(JOBS_RUNTIME) private readonly runtime: JobsRuntime,
  ) {}

  onApplicationBootstrap(): void {
    this.runtime.start(this.discover());
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.runtime.stop();
  }

  private discover(): DiscoveredHandler[] {
    const found: DiscoveredHandler[] = [];
    const seen = new Set<object>();
    for (const wrapper of this.discovery.getProviders()) {
      const instance: unknown = wrapper.instance;
      if (!instance || typeof instance !== 'object' || seen.has(instance)) continue;
      seen.add(instance);
      for (const { def, method, batch } of markedHandlersOf(instance)) {
        const fn = (instance as Record<string | symbol, unknown>)[method];
        if (typeof fn !== 'function') continue;
        const where = `${instance.constructor.name}.${String(method)}`;
        if (batch)
          found.push({
            def,
            where,
            batch: {
              ...batch,
              handler: (context: JobBatchContext<unknown>) =>
                (fn as (ctx: JobBatchContext<unknown>) => Promise<never>).call(instance, context),
            },
          });
        else
          found.push({
            def,
            where,
            handler: (context: JobContext<unknown>) =>
              (fn as (ctx: JobContext<unknown>) => Promise<unknown>).call(instance, context),
          });
      }
    }
    return found;
  }
}

@Module({})
export class JobsModule {
  /** `runtime` is built by the node (store, settings, gates); this module feeds it the handlers. */
  static forRoot(runtime: JobsRuntime): DynamicModule {
    return {
      module: JobsModule,
      global: true,
      imports: [DiscoveryModule],
      providers: [{ provide: JOBS_RUNTIME, useValue: runtime }, JobHandlersLifecycle],
      exports: [JOBS_RUNTIME],
    };
  }
}
