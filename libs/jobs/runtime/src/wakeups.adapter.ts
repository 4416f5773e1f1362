// Redis wake-ups: `portico:jobs:<queue>` is published after a send commits; consumers subscribed
// to it fetch at once instead of waiting for their next poll. Redis down means polling only:
// publishes are dropped, subscriptions come back with the connection, and each outage is logged
// once (and its end once).
import Redis from 'ioredis';

import {
  type JobLogger,
  silentLogger,
  wakeupChannel,
  type WakeupPublisher,
  type WakeupSource,
} from './wakeups';

export class RedisWakeups implements WakeupSource, WakeupPublisher {
  private readonly publisher: Redis;
  private readonly subscriber: Redis;
  private readonly handlers = new Map<string, Set<() => void>>();
  private readonly down = new Set<string>();

  constructor(
    url: string,
    private readonly logger: JobLogger = silentLogger,
  ) {
    const common = {
      lazyConnect: false,
      maxRetriesPerRequest: 1,
      retryStrategy: (attempt: number) => Math.min(attempt * 500, 5_000),
    };
    // No offline queue for publishes: a wake-up that cannot go now is worthless later.
    this.publisher = new Redis(url, { ...common, enableOfflineQueue: false });
    this.subscriber = new Redis(url, { ...common, autoResubscribe: true });
    this.watch(this.publisher, 'publisher');
    this.watch(this.subscriber, 'subscriber');
    this.subscriber.on('message', (channel: string) => {
      for (const handler of this.handlers.get(channel) ?? []) handler();
    });
  }

  /** One warning per outage of Redis, whichever of the two connections notices it first. */
  private watch(connection: Redis, role: string): void {
    connection.on('error', (error: Error) => {
      if (this.down.has(role)) return;
      const wasUp = this.down.size === 0;
      this.down.add(role);
      if (wasUp)
        this.logger.warn(
          { role, err: error.message },
          'Redis unreachable: job wake-ups paused, consumers poll',
        );
    });
    connection.on('ready', () => {
      if (!this.down.delete(role) || this.down.size > 0) return;
      this.logger.info({ role }, 'Redis reachable again: job wake-ups resumed');
    });
  }

  subscribe(queue: string, onWake: () => void): () => void {
    const channel = wakeupChannel(queue);
    let handlers = this.handlers.get(channel);
    if (!handlers) {
      handlers = new Set();
      this.handlers.set(channel, handlers);
      this.subscriber.subscribe(channel).catch(() => undefined);
    }
    handlers.add(onWake);
    return () => {
      const current = this.handlers.get(channel);
      current?.delete(onWake);
      if (current && current.size === 0) {
        this.handlers.delete(channel);
        this.subscriber.unsubscribe(channel).catch(() => undefined);
      }
    };
  }

  publish(queue: string): void {
    this.publisher.publish(wakeupChannel(queue), '1').catch(() => undefined);
  }

  async close(): Promise<void> {
    this.handlers.clear();
    this.publisher.disconnect();
    this.subscriber.disconnect();
    await Promise.resolve();
  }
}
