import type { OnModuleDestroy } from '@nestjs/common';
import Redis from 'ioredis';
import type { Logger } from 'pino';
import { createRateLimiter } from '../common/rate-limit';

/** The channel nodes of a cluster subscribe to, to re-read their settings at once. */
export function settingsChannel(clusterId: string): string {
  return `portico:settings:${clusterId}`;
}

/**
 * The message published after a settings change committed. `version` is the new cluster
 * settings version for a cluster change, or the node's new `"<cluster>.<node>"` version (the
 * GET /nodes/me ETag) with its `nodeId` for a node change. It is only a wake-up: nodes then
 * poll GET /nodes/me, which stays the source of truth.
 */
export interface SettingsChange {
  readonly version: string;
  readonly nodeId?: string;
}

/**
 * Port: tells running nodes that settings changed. Never throws and never delays the API
 * call that made the change; nodes fall back to their periodic poll when a wake-up is lost.
 */
export abstract class SettingsBroadcast {
  abstract publish(clusterId: string, change: SettingsChange): void;
}

/** Without Redis, nodes see changes at their next poll. */
export class NoSettingsBroadcast extends SettingsBroadcast {
  publish(): void {}
}

/** Publishes on Redis; a Redis that is absent or down is logged (at most every 30 s), never fatal. */
export class RedisSettingsBroadcast extends SettingsBroadcast implements OnModuleDestroy {
  private readonly redis: Redis;
  private readonly warnLimit = createRateLimiter(30_000);

  constructor(
    url: string,
    private readonly logger: Logger,
  ) {
    super();
    this.redis = new Redis(url, {
      // Fail fast instead of queueing while disconnected: a lost wake-up is harmless.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      commandTimeout: 2000,
      connectTimeout: 2000,
      retryStrategy: (attempt) => Math.min(attempt * 250, 5000),
    });
    this.redis.on('error', (error: Error) => this.warn(error, 'redis connection failed'));
  }

  publish(clusterId: string, change: SettingsChange): void {
    this.redis.publish(settingsChannel(clusterId), JSON.stringify(change)).catch((error: unknown) => {
      this.warn(error, 'could not publish a settings change; nodes will see it at their next poll');
    });
  }

  onModuleDestroy(): void {
    this.redis.disconnect();
  }

  private warn(error: unknown, message: string): void {
    const suppressed = this.warnLimit.take();
    if (suppressed === undefined) return;
    this.logger.warn({ err: error, suppressedSinceLast: suppressed }, message);
  }
}
