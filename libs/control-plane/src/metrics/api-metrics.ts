import type { MetricsRegistry } from '@portico/platform';
import { Counter } from 'prom-client';

/** The control plane's own counters, registered in the app's registry (served at /metrics). */
export class ApiMetrics {
  private readonly telemetryReports: Counter<'status'>;
  private readonly logLines: Counter;
  private readonly authFailures: Counter<'reason'>;
  private readonly nodesMarkedOffline: Counter;

  constructor(metrics: MetricsRegistry) {
    const registers = [metrics.registry];
    this.telemetryReports = new Counter({
      name: 'portico_control_plane_telemetry_reports_total',
      help: 'Telemetry reports received from nodes, by the status recorded for the node.',
      labelNames: ['status'],
      registers,
    });
    this.logLines = new Counter({
      name: 'portico_control_plane_log_lines_stored_total',
      help: 'Log lines shipped by nodes and stored (including synthetic "lines dropped" notes).',
      registers,
    });
    this.authFailures = new Counter({
      name: 'portico_control_plane_auth_failures_total',
      help: 'Requests refused by authentication or authorisation, by reason.',
      labelNames: ['reason'],
      registers,
    });
    this.nodesMarkedOffline = new Counter({
      name: 'portico_control_plane_nodes_marked_offline_total',
      help: 'Nodes the offline sweep marked Offline after they stopped reporting.',
      registers,
    });
  }

  telemetryReceived(status: string): void {
    this.telemetryReports.inc({ status });
  }

  logLinesStored(count: number): void {
    this.logLines.inc(count);
  }

  authFailed(reason: 'missing' | 'unknown' | 'revoked' | 'expired' | 'forbidden'): void {
    this.authFailures.inc({ reason });
  }

  nodesWentOffline(count: number): void {
    this.nodesMarkedOffline.inc(count);
  }
}
