import type { HealthResult } from '@portico/control-plane-client';
import type { Role } from '@portico/settings';
import type { z } from 'zod';
import type { HealthCheck, HealthDetails } from './health-check';
import {
  applyOutcome,
  DEFAULT_THRESHOLDS,
  initialCheckState,
  validateThresholds,
  type CheckOutcome,
  type CheckState,
  type HysteresisThresholds,
} from './hysteresis';
import { evaluateRoleGate, type RoleGate } from './role-gate';

/** The subset of a pino logger the monitor uses. */
export interface HealthLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface HealthMonitorOptions {
  /** Time between the starts of two rounds of checks. Default 2000 ms. */
  intervalMs?: number;
  /** Timeout of a check that sets none itself. Default 1500 ms; always capped at `intervalMs`. */
  timeoutMs?: number;
  /** Default 3 failures to go down, 2 successes to come back. */
  thresholds?: Partial<HysteresisThresholds>;
  /** Wall clock for `since`/`lastCheckedAt`; a fake in tests. */
  now?: () => Date;
  logger?: HealthLogger;
}

export type HealthChangeListener = (name: string, state: Readonly<CheckState>) => void;
export type HealthSnapshot = Record<string, z.infer<typeof HealthResult>>;

export const DEFAULT_HEALTH_INTERVAL_MS = 2000;
export const DEFAULT_HEALTH_TIMEOUT_MS = 1500;

interface Entry {
  check: HealthCheck;
  timeoutMs: number;
  state: CheckState;
  /** The run that has not settled yet, if any: while it hangs, no other run of this check starts. */
  inFlight: { startedAt: number } | undefined;
}

type RunResult =
  { kind: 'ok'; details: HealthDetails } | { kind: 'error'; error: unknown } | { kind: 'timeout' };

/**
 * Runs every health check on an interval (in parallel, each bounded by its timeout), keeps the
 * debounced state of each (hysteresis.ts) and tells listeners when one flips. Leadership and
 * job-taking decisions read `eligibleForLeadership()` and `roleGate(role)`, never a raw result.
 */
export class HealthMonitor {
  private readonly entries = new Map<string, Entry>();
  private readonly listeners = new Set<HealthChangeListener>();
  private readonly intervalMs: number;
  private readonly thresholds: HysteresisThresholds;
  private readonly now: () => Date;
  private readonly logger: HealthLogger | undefined;
  private running = false;
  private timer: NodeJS.Timeout | undefined;
  private round: Promise<void> | undefined;

  constructor(checks: readonly HealthCheck[], options: HealthMonitorOptions = {}) {
    this.intervalMs = options.intervalMs ?? DEFAULT_HEALTH_INTERVAL_MS;
    if (!(this.intervalMs > 0)) throw new RangeError(`health monitor: intervalMs must be > 0`);
    this.thresholds = { ...DEFAULT_THRESHOLDS, ...options.thresholds };
    validateThresholds(this.thresholds);
    this.now = options.now ?? (() => new Date());
    this.logger = options.logger;
    const defaultTimeout = options.timeoutMs ?? DEFAULT_HEALTH_TIMEOUT_MS;
    const startedAt = this.now();
    for (const check of checks) {
      if (this.entries.has(check.name))
        throw new Error(`health monitor: two checks are named "${check.name}"`);
      this.entries.set(check.name, {
        check,
        timeoutMs: Math.min(check.timeoutMs ?? defaultTimeout, this.intervalMs),
        state: initialCheckState(startedAt),
        inFlight: undefined,
      });
    }
  }

  /** Starts the periodic rounds; the first runs at once. The timer does not keep the process alive. */
  start(): void {
    if (this.running) return;
    this.running = true;
    void this.loop();
  }

  /** Stops scheduling rounds and waits for the current one (bounded by the check timeouts). */
  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.round;
  }

  /** One round of every check, in parallel. A round already running is joined, not duplicated. */
  runOnce(): Promise<void> {
    this.round ??= Promise.all([...this.entries.values()].map((entry) => this.runCheck(entry))).then(() => {
      this.round = undefined;
    });
    return this.round;
  }

  /** The names of the monitored checks. */
  names(): string[] {
    return [...this.entries.keys()];
  }

  state(name: string): Readonly<CheckState> | undefined {
    return this.entries.get(name)?.state;
  }

  states(): Record<string, Readonly<CheckState>> {
    return Object.fromEntries([...this.entries].map(([name, entry]) => [name, entry.state]));
  }

  /** The debounced status of one check; false for an unknown name or before it proved itself. */
  isHealthy(name: string): boolean {
    return this.entries.get(name)?.state.status === 'up';
  }

  /** Every monitored check is up: only then may this node hold or seek leadership. */
  eligibleForLeadership(): boolean {
    return [...this.entries.values()].every((entry) => entry.state.status === 'up');
  }

  /** Whether a role may take new jobs, and which of its dependencies block it (see role-gate.ts). */
  roleGate(role: Role): RoleGate {
    return evaluateRoleGate(
      role,
      new Map([...this.entries].map(([name, entry]) => [name, entry.state.status])),
    );
  }

  /** The `health` field of a telemetry report. */
  snapshot(): HealthSnapshot {
    const result: HealthSnapshot = {};
    for (const [name, { state }] of this.entries) {
      result[name] = {
        status: state.status,
        ...(state.status === 'down' && state.lastError ? { message: state.lastError } : {}),
        since: state.since.toISOString(),
        ...(state.latencyMs === undefined ? {} : { latencyMs: state.latencyMs }),
      };
    }
    return result;
  }

  /** Called once per flip of a check's debounced status. Returns an unsubscribe function. */
  onChange(listener: HealthChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private async loop(): Promise<void> {
    if (!this.running) return;
    const began = Date.now();
    await this.runOnce();
    if (!this.running) return;
    this.timer = setTimeout(() => void this.loop(), Math.max(0, this.intervalMs - (Date.now() - began)));
    this.timer.unref();
  }

  private async runCheck(entry: Entry): Promise<void> {
    const name = entry.check.name;
    if (entry.inFlight) {
      // The previous run never settled (a hung NFS call or socket cannot be interrupted): count
      // every round it still hangs as a failure, and do not pile up more stuck calls behind it.
      const elapsed = Date.now() - entry.inFlight.startedAt;
      this.record(entry, {
        ok: false,
        at: this.now(),
        latencyMs: undefined,
        error: `${name} check has not returned for ${elapsed} ms (the dependency hangs); no new probe is started until it does`,
      });
      return;
    }
    const startedAt = Date.now();
    const started = performance.now();
    const inFlight = { startedAt };
    entry.inFlight = inFlight;
    const controller = new AbortController();
    const run: Promise<RunResult> = Promise.resolve()
      .then(() => entry.check.run(controller.signal))
      .then(
        (details): RunResult => ({ kind: 'ok', details }),
        (error: unknown): RunResult => ({ kind: 'error', error }),
      )
      .finally(() => {
        if (entry.inFlight === inFlight) entry.inFlight = undefined;
      });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<RunResult>((resolve) => {
      timer = setTimeout(() => resolve({ kind: 'timeout' }), entry.timeoutMs);
    });
    const result = await Promise.race([run, timeout]);
    clearTimeout(timer);
    const latencyMs = Math.round((performance.now() - started) * 10) / 10;
    const at = this.now();
    switch (result.kind) {
      case 'ok':
        this.record(entry, { ok: true, at, latencyMs, details: result.details });
        return;
      case 'error':
        this.record(entry, { ok: false, at, latencyMs, error: errorMessage(result.error) });
        return;
      case 'timeout':
        controller.abort(new Error(`${name} check timed out`));
        this.record(entry, {
          ok: false,
          at,
          latencyMs: entry.timeoutMs,
          error: `${name} check did not answer within ${entry.timeoutMs} ms`,
        });
        return;
    }
  }

  private record(entry: Entry, outcome: CheckOutcome): void {
    const { state, changed } = applyOutcome(entry.state, outcome, this.thresholds);
    entry.state = state;
    if (!changed) return;
    const name = entry.check.name;
    if (state.status === 'down') {
      this.logger?.warn(
        { check: name, error: state.lastError, failures: state.consecutiveFailures },
        `health check ${name} is down`,
      );
    } else {
      this.logger?.info({ check: name, successes: state.consecutiveSuccesses }, `health check ${name} is up`);
    }
    for (const listener of this.listeners) {
      try {
        listener(name, state);
      } catch (error) {
        this.logger?.warn({ check: name, error: errorMessage(error) }, 'a health change listener failed');
      }
    }
  }
}

function errorMessage(error: unknown): string {
  // Duck-typed: errors made by Node's core (fs, net) may come from another realm than `Error`.
  const message = (error as { message?: unknown } | null)?.message;
  return typeof message === 'string' ? message : String(error);
}
