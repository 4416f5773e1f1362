// Prometheus metrics of the leader's event dispatch (at the node's /metrics).
import type { CatalogEvent } from '@portico/catalog';
import { Counter, type Registry } from 'prom-client';

import type { EventDispatchObserver } from './event-dispatcher';

export class EventMetrics implements EventDispatchObserver {
  private readonly dispatchedTotal: Counter<'kind' | 'state'>;
  private readonly jobsTotal: Counter<'kind'>;
  private readonly settledTotal: Counter<'kind' | 'state'>;

  constructor(registry: Registry) {
    const registers = [registry];
    this.dispatchedTotal = new Counter({
      name: 'portico_events_dispatched_total',
      help: 'Events this node claimed as leader, by the state their dispatch left them in (running: jobs sent; done; failed: refused).',
      labelNames: ['kind', 'state'],
      registers,
    });
    this.jobsTotal = new Counter({
      name: 'portico_event_jobs_enqueued_total',
      help: 'Jobs this node sent for events as leader.',
      labelNames: ['kind'],
      registers,
    });
    this.settledTotal = new Counter({
      name: 'portico_events_settled_total',
      help: 'Events this node ended as leader once their last job ended (done or failed).',
      labelNames: ['kind', 'state'],
      registers,
    });
  }

  dispatched(event: CatalogEvent, jobs: number): void {
    this.dispatchedTotal.inc({ kind: event.kind, state: event.state });
    if (jobs > 0) this.jobsTotal.inc({ kind: event.kind }, jobs);
  }

  settled(event: CatalogEvent): void {
    this.settledTotal.inc({ kind: event.kind, state: event.state });
  }
}
