import Redis from 'ioredis';
import type { NodeSelf } from '@portico/control-plane-client';
import type { SettingKey } from './settings.catalogue';
import type { SettingsState } from './settings-state';

export interface ControlPlaneSettingsSourceOptions {
  /** `me(version)` resolves undefined while `version` is current (HTTP 304). */
  client: { me(version?: string): Promise<NodeSelf | undefined> };
  state: SettingsState;
  clusterId: string;
  /** The version of the layers `state` was built from. */
  version: string;
  pollIntervalMs?: number;
  /** When set, a publish on `portico:settings:<clusterId>` triggers an immediate poll. */
  redisUrl?: string;
  logger: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void };
  /** A new layer was rejected (bad value): the previous settings stay in force. */
  onRejected?(error: unknown): void;
  /** The layers were accepted again after a rejection. */
  onAccepted?(): void;
}

/** The Redis channel the control plane publishes a cluster's settings changes on. */
export function settingsChannel(clusterId: string): string {
  return `portico:settings:${clusterId}`;
}

/**
 * Keeps a node's node and cluster settings layers in step with the control plane: a cheap
 * conditional poll (ETag, 304 when unchanged) every interval, and with Redis an immediate
 * poll when the control plane announces a change. Redis absent or down costs nothing but
 * latency: polling goes on, and its errors are logged once per outage.
 */
export class ControlPlaneSettingsSource {
  private version: string;
  private timer: NodeJS.Timeout | undefined;
  private subscriber: Redis | undefined;
  private inFlight: Promise<SettingKey[]> | undefined;
  private again = false;
  private pollFailing = false;
  private redisFailing = false;
  private rejected = false;

  constructor(private readonly options: ControlPlaneSettingsSourceOptions) {
    this.version = options.version;
  }

  /** The version (GET /nodes/me ETag) of the layers in force. */
  get currentVersion(): string {
    return this.version;
  }

  start(): void {
    const interval = this.options.pollIntervalMs ?? 2000;
    this.timer = setInterval(() => void this.refresh().catch(() => undefined), interval);
    this.timer.unref();
    if (this.options.redisUrl) this.subscribe(this.options.redisUrl);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    const subscriber = this.subscriber;
    this.subscriber = undefined;
    if (subscriber) subscriber.disconnect();
    await this.inFlight?.catch(() => undefined);
  }

  /** Polls now; concurrent calls share one request, and a call during a request queues one more. */
  refresh(): Promise<SettingKey[]> {
    if (this.inFlight) {
      this.again = true;
      return this.inFlight;
    }
    this.inFlight = this.poll().finally(() => {
      this.inFlight = undefined;
      if (this.again) {
        this.again = false;
        void this.refresh().catch(() => undefined);
      }
    });
    return this.inFlight;
  }

  private async poll(): Promise<SettingKey[]> {
    let self: NodeSelf | undefined;
    try {
      self = await this.options.client.me(this.version);
      if (this.pollFailing) this.options.logger.info({}, 'settings poll works again');
      this.pollFailing = false;
    } catch (error) {
      if (!this.pollFailing)
        this.options.logger.warn({ err: error }, 'settings poll failed; keeping the settings in force');
      this.pollFailing = true;
      throw error;
    }
    if (!self) return [];
    try {
      const changed = this.options.state.update({ node: self.node.settings, cluster: self.cluster.settings });
      this.version = self.version;
      if (this.rejected) this.options.onAccepted?.();
      this.rejected = false;
      if (changed.length) this.options.logger.info({ changed, version: self.version }, 'settings changed');
      return changed;
    } catch (error) {
      // Keep the version we had: the next poll sees the bad value again and keeps reporting it.
      if (!this.rejected)
        this.options.logger.warn(
          { err: error },
          'settings from the control plane rejected; previous settings stay in force',
        );
      this.rejected = true;
      this.options.onRejected?.(error);
      return [];
    }
  }

  private subscribe(url: string): void {
    const subscriber = new Redis(url, {
      lazyConnect: true,
      enableOfflineQueue: true,
      maxRetriesPerRequest: null,
      retryStrategy: (attempt) => Math.min(attempt * 500, 5000),
    });
    this.subscriber = subscriber;
    subscriber.on('error', (error) => {
      if (!this.redisFailing)
        this.options.logger.warn({ err: error }, 'redis unavailable; settings changes arrive by polling');
      this.redisFailing = true;
    });
    subscriber.on('ready', () => {
      if (this.redisFailing)
        this.options.logger.info({}, 'redis reachable again; settings changes arrive at once');
      this.redisFailing = false;
    });
    subscriber.on('message', () => void this.refresh().catch(() => undefined));
    subscriber.subscribe(settingsChannel(this.options.clusterId)).catch(() => undefined);
  }
}
