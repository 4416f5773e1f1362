import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';

export interface ProcessIdentity {
  app: string;
  version: string;
  /** New at every start: tells two processes claiming one node apart. */
  workerId: string;
  nodeId?: string;
}

/**
 * The app's Prometheus registry: process metrics (CPU, RSS, event-loop lag, GC) with the
 * `portico_` prefix, plus `portico_build_info` identifying this process.
 */
export class MetricsRegistry {
  readonly registry = new Registry();

  constructor(identity: ProcessIdentity) {
    this.registry.setDefaultLabels({ app: identity.app });
    collectDefaultMetrics({ register: this.registry, prefix: 'portico_' });
    new Gauge({
      name: 'portico_build_info',
      help: 'Always 1; labels identify the running process.',
      labelNames: ['version', 'worker_id', 'node_id'],
      registers: [this.registry],
    })
      .labels(identity.version, identity.workerId, identity.nodeId ?? '')
      .set(1);
  }

  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
