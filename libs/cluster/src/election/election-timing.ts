// Election timing as one validated value. The numbers only make sense together: a leader must
// get several renewal attempts in before its lease runs out, and it must stop leading a safety
// margin before the database could hand the lease to someone else.

declare const validated: unique symbol;

export interface ElectionTimingValues {
  /** How long a granted or renewed lease lasts, on the database clock. */
  readonly leaseMs: number;
  /** How often the leader renews its lease. */
  readonly renewEveryMs: number;
  /** How often a follower checks whether the lease is free. */
  readonly followerPollMs: number;
  /** The leader stops leading this long before its lease could expire (clock rate drift, scheduling). */
  readonly safetyMarginMs: number;
  /** Upper bound of every election query (connection wait included); shorter than the lease. */
  readonly requestTimeoutMs: number;
  /** After stepping down for failed health checks, the node does not contend for this long. */
  readonly coolDownMs: number;
  /** Delay before retrying a renewal or acquisition that failed with an error. */
  readonly retryAfterErrorMs: number;
}

/** A timing that passed electionTiming(); only such values reach the election. */
export type ElectionTiming = ElectionTimingValues & { readonly [validated]: true };

export const DEFAULT_LEASE_MS = 1500;

const DEFAULTS: ElectionTimingValues = {
  leaseMs: DEFAULT_LEASE_MS,
  renewEveryMs: 300,
  followerPollMs: 200,
  safetyMarginMs: 250,
  requestTimeoutMs: 1000,
  coolDownMs: 2 * DEFAULT_LEASE_MS,
  retryAfterErrorMs: 100,
};

export class InvalidElectionTimingError extends Error {
  constructor(
    readonly key: keyof ElectionTimingValues,
    readonly value: number,
    readonly rule: string,
  ) {
    super(`Invalid election timing: ${key} = ${value}; ${rule}`);
    this.name = 'InvalidElectionTimingError';
  }
}

const MAX_MS = 10 * 60 * 1000;

/**
 * Builds a validated timing from the defaults and the given overrides. Throws
 * InvalidElectionTimingError naming the key and the rule it breaks.
 */
export function electionTiming(overrides: Partial<ElectionTimingValues> = {}): ElectionTiming {
  // The cool-down follows the lease unless it is set explicitly.
  const t: ElectionTimingValues = {
    ...DEFAULTS,
    coolDownMs: 2 * (overrides.leaseMs ?? DEFAULTS.leaseMs),
    ...overrides,
  };
  const fail = (key: keyof ElectionTimingValues, rule: string): never => {
    throw new InvalidElectionTimingError(key, t[key], rule);
  };
  for (const key of Object.keys(DEFAULTS) as (keyof ElectionTimingValues)[]) {
    const value = t[key];
    if (!Number.isInteger(value)) fail(key, 'must be a whole number of milliseconds');
    if (value < 0 || value > MAX_MS) fail(key, `must be between 0 and ${MAX_MS}`);
  }
  for (const key of [
    'leaseMs',
    'renewEveryMs',
    'followerPollMs',
    'safetyMarginMs',
    'requestTimeoutMs',
  ] as const) {
    if (t[key] <= 0) fail(key, 'must be greater than 0');
  }
  if (t.renewEveryMs * 3 + t.safetyMarginMs >= t.leaseMs) {
    fail(
      'renewEveryMs',
      `renewEveryMs × 3 + safetyMarginMs (${t.renewEveryMs * 3 + t.safetyMarginMs}) must be less than leaseMs (${t.leaseMs}), so a leader gets three renewal attempts per lease`,
    );
  }
  if (t.requestTimeoutMs >= t.leaseMs - t.safetyMarginMs) {
    fail(
      'requestTimeoutMs',
      `must be less than leaseMs − safetyMarginMs (${t.leaseMs - t.safetyMarginMs}), so a hung query ends before the renew deadline`,
    );
  }
  if (t.followerPollMs > t.leaseMs) fail('followerPollMs', `must not exceed leaseMs (${t.leaseMs})`);
  if (t.retryAfterErrorMs > t.renewEveryMs) {
    fail('retryAfterErrorMs', `must not exceed renewEveryMs (${t.renewEveryMs})`);
  }
  return Object.freeze(t) as ElectionTiming;
}

export const DEFAULT_ELECTION_TIMING: ElectionTiming = electionTiming();
