import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Logger } from 'pino';
import { createRateLimiter } from '../common/rate-limit';
import { CP_CONFIG, CP_LOGGER, type ControlPlaneRuntimeConfig } from '../injection';
import { ApiMetrics } from '../metrics/api-metrics';
import { TelemetryRepository } from './telemetry.repository';

/**
 * The periodic loop that marks silent nodes Offline (a dead node cannot say so itself). It runs
 * from application bootstrap to shutdown; a failed sweep (database briefly unreachable) is
 * logged at most every 30 s and retried at the next tick.
 */
@Injectable()
export class OfflineSweep implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  private readonly failureLimit = createRateLimiter(30_000);

  constructor(
    private readonly telemetry: TelemetryRepository,
    private readonly metrics: ApiMetrics,
    @Inject(CP_LOGGER) private readonly logger: Logger,
    @Inject(CP_CONFIG) private readonly config: ControlPlaneRuntimeConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.stopped = false;
    this.schedule();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /** One sweep; also called directly by tests that need it now. */
  async sweep(): Promise<void> {
    try {
      const marked = await this.telemetry.sweepOffline();
      for (const node of marked) {
        this.logger.warn(
          { nodeId: node.nodeId, clusterId: node.clusterId, node: node.name, reason: node.statusReason },
          `node ${node.name} marked Offline: ${node.statusReason}`,
        );
      }
      if (marked.length > 0) this.metrics.nodesWentOffline(marked.length);
    } catch (error) {
      const suppressed = this.failureLimit.take();
      if (suppressed !== undefined)
        this.logger.warn({ err: error, suppressedSinceLast: suppressed }, 'offline sweep failed; retrying');
    }
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.sweep().finally(() => {
        this.running = undefined;
        this.schedule();
      });
    }, this.config.offlineSweepIntervalMs);
    this.timer.unref();
  }
}
