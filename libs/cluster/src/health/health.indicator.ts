import type { HealthMonitor } from './health-monitor';

/**
 * Bridges one monitored check to `/health/ready`: it has the shape of the platform's
 * `ReadinessCheck` (`name` + `check()`), so an app passes it in its readiness list. It answers
 * from the monitor's debounced state instead of probing again on every HTTP request, so the
 * endpoint, telemetry and the leader/job gates always agree.
 */
export class MonitoredReadinessCheck {
  constructor(
    private readonly monitor: HealthMonitor,
    readonly name: string,
  ) {}

  check(): Promise<Record<string, unknown>> {
    const state = this.monitor.state(this.name);
    if (!state) return Promise.reject(new Error(`${this.name} is not a monitored health check`));
    if (state.status === 'down') {
      return Promise.reject(
        new Error(
          `${this.name} is down since ${state.since.toISOString()}: ${state.lastError ?? 'no details'}`,
        ),
      );
    }
    return Promise.resolve({
      since: state.since.toISOString(),
      ...(state.latencyMs === undefined ? {} : { latencyMs: state.latencyMs }),
      ...(state.consecutiveFailures > 0
        ? { recentFailures: state.consecutiveFailures, lastError: state.lastError }
        : {}),
    });
  }
}

/** One readiness check per monitored check, for the app's readiness list. */
export function readinessChecksFor(monitor: HealthMonitor): MonitoredReadinessCheck[] {
  return monitor.names().map((name) => new MonitoredReadinessCheck(monitor, name));
}
