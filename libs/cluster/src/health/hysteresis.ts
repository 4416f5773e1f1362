// Debouncing of health results, so one slow query or a single dropped packet does not make a
// leader resign or a worker stop taking jobs: a check goes down only after N consecutive
// failures and comes back only after M consecutive successes.

export type HealthStatus = 'up' | 'down';

export interface HysteresisThresholds {
  /** Consecutive failures that take an `up` check `down`. Default 3. */
  failuresToDown: number;
  /** Consecutive successes that bring a `down` check back `up`. Default 2. */
  successesToUp: number;
}

export const DEFAULT_THRESHOLDS: HysteresisThresholds = { failuresToDown: 3, successesToUp: 2 };

export interface CheckState {
  status: HealthStatus;
  /** When the current status began (the monitor's start for the initial `down`). */
  since: Date;
  /** The latest failure's message; kept while up, so a flapping dependency is visible. */
  lastError: string | undefined;
  /** Length of the current streak of failures (0 after a success). */
  consecutiveFailures: number;
  /** Length of the current streak of successes (0 after a failure). */
  consecutiveSuccesses: number;
  /** When the latest result came in; undefined before the first. */
  lastCheckedAt: Date | undefined;
  /** Duration of the latest run, when it finished (timeouts report the timeout). */
  latencyMs: number | undefined;
  /** Details of the latest successful run. */
  details: Record<string, unknown> | undefined;
}

export type CheckOutcome =
  | { ok: true; at: Date; latencyMs: number; details: Record<string, unknown> }
  | { ok: false; at: Date; latencyMs: number | undefined; error: string };

/**
 * A check starts `down` ("not checked yet") and becomes `up` only after `successesToUp`
 * consecutive successes, like a recovery: a node must prove its dependencies before it leads or
 * takes jobs, and a node that starts with a broken dependency never announces itself healthy.
 */
export function initialCheckState(at: Date): CheckState {
  return {
    status: 'down',
    since: at,
    lastError: 'not checked yet',
    consecutiveFailures: 0,
    consecutiveSuccesses: 0,
    lastCheckedAt: undefined,
    latencyMs: undefined,
    details: undefined,
  };
}

/** Applies one result. `changed` is true exactly when `status` flipped. */
export function applyOutcome(
  state: CheckState,
  outcome: CheckOutcome,
  thresholds: HysteresisThresholds = DEFAULT_THRESHOLDS,
): { state: CheckState; changed: boolean } {
  validateThresholds(thresholds);
  if (outcome.ok) {
    const consecutiveSuccesses = state.consecutiveSuccesses + 1;
    const flips = state.status === 'down' && consecutiveSuccesses >= thresholds.successesToUp;
    return {
      changed: flips,
      state: {
        status: flips ? 'up' : state.status,
        since: flips ? outcome.at : state.since,
        lastError: flips ? undefined : state.lastError,
        consecutiveFailures: 0,
        consecutiveSuccesses,
        lastCheckedAt: outcome.at,
        latencyMs: outcome.latencyMs,
        details: outcome.details,
      },
    };
  }
  const consecutiveFailures = state.consecutiveFailures + 1;
  const flips = state.status === 'up' && consecutiveFailures >= thresholds.failuresToDown;
  return {
    changed: flips,
    state: {
      status: flips ? 'down' : state.status,
      since: flips ? outcome.at : state.since,
      lastError: outcome.error,
      consecutiveFailures,
      consecutiveSuccesses: 0,
      lastCheckedAt: outcome.at,
      latencyMs: outcome.latencyMs,
      details: state.details,
    },
  };
}

export function validateThresholds(thresholds: HysteresisThresholds): void {
  for (const [key, value] of Object.entries(thresholds)) {
    if (!Number.isInteger(value) || (value as number) < 1) {
      throw new RangeError(`health hysteresis: ${key} must be an integer ≥ 1, got ${String(value)}`);
    }
  }
}
