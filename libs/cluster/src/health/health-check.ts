/** What a passing check reports (latency, the path it probed, …). Never a secret. */
export type HealthDetails = Record<string, unknown>;

/**
 * Port: one dependency a node checks continuously (SPEC 2.4). Adapters live beside it
 * (`database.adapter.ts`, `control-plane.adapter.ts`, `storage.adapter.ts`).
 *
 * `run` resolves with details when the dependency works and rejects with an operator-readable
 * error (what failed, where, what to do) when it does not. The monitor bounds every run with a
 * timeout and aborts `signal` when it expires; an adapter should stop waiting then, but the
 * monitor never relies on it (a hung NFS call cannot be interrupted).
 */
export abstract class HealthCheck {
  /** Stable name, used in telemetry, `/health/ready` and the role gate: `database`, `control-plane`, `storage`. */
  abstract readonly name: string;
  /** Per-check timeout; the monitor caps it at its interval. */
  readonly timeoutMs?: number;
  abstract run(signal: AbortSignal): Promise<HealthDetails>;
}

/** The names of the checks every node runs; roles depend on them (see role-gate.ts). */
export const HEALTH_CHECK_NAMES = ['database', 'control-plane', 'storage'] as const;
export type HealthCheckName = (typeof HEALTH_CHECK_NAMES)[number];
