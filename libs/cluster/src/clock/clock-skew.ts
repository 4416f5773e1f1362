// Clock skew between this node's wall clock and the database's, for telemetry and
// `portico doctor`. Election never depends on it: leases are timed by the database clock and
// deadlines by the node's monotonic clock. It is reported because wall-clock timestamps written
// by nodes (logs, telemetry) are only comparable when clocks agree.

export const CLOCK_SKEW_WARN_MS = 1000;

/** The port: reads the database clock (clock_timestamp()) as epoch milliseconds. */
export abstract class DatabaseClock {
  abstract nowMs(): Promise<number>;
}

export interface ClockSample {
  /** Node wall clock when the query was sent, epoch ms. */
  readonly sentAtMs: number;
  /** Database clock_timestamp() read by the query, epoch ms. */
  readonly databaseMs: number;
  /** Node wall clock when the answer arrived, epoch ms. */
  readonly receivedAtMs: number;
}

export interface ClockSkew {
  /** Node wall clock − database clock; positive when the node is ahead. */
  readonly skewMs: number;
  /** Round trip of the sample used; the skew is known to ± half of it. */
  readonly roundTripMs: number;
  readonly uncertaintyMs: number;
  /** |skew| exceeds the warning threshold. */
  readonly warn: boolean;
  readonly samples: number;
}

/**
 * Skew from samples: the database read its clock somewhere during the round trip, assumed in
 * the middle; the sample with the shortest round trip has the smallest error.
 */
export function skewFromSamples(
  samples: readonly ClockSample[],
  warnAboveMs = CLOCK_SKEW_WARN_MS,
): ClockSkew {
  if (samples.length === 0) throw new RangeError('skewFromSamples needs at least one sample');
  const best = samples.reduce((a, b) => (b.receivedAtMs - b.sentAtMs < a.receivedAtMs - a.sentAtMs ? b : a));
  const roundTripMs = Math.max(0, best.receivedAtMs - best.sentAtMs);
  const skewMs = best.sentAtMs + roundTripMs / 2 - best.databaseMs;
  const uncertaintyMs = roundTripMs / 2;
  return {
    skewMs,
    roundTripMs,
    uncertaintyMs,
    warn: Math.abs(skewMs) > warnAboveMs,
    samples: samples.length,
  };
}

/** Takes `count` samples (the first one often pays for a connection) and computes the skew. */
export async function measureClockSkew(
  database: DatabaseClock,
  options: { samples?: number; wallClockMs?: () => number; warnAboveMs?: number } = {},
): Promise<ClockSkew> {
  const wall = options.wallClockMs ?? Date.now;
  const samples: ClockSample[] = [];
  for (let i = 0; i < (options.samples ?? 5); i++) {
    const sentAtMs = wall();
    const databaseMs = await database.nowMs();
    samples.push({ sentAtMs, databaseMs, receivedAtMs: wall() });
  }
  return skewFromSamples(samples, options.warnAboveMs);
}

/** One line for logs and `portico doctor`. */
export function describeClockSkew(skew: ClockSkew): string {
  const direction = skew.skewMs >= 0 ? 'ahead of' : 'behind';
  const text =
    `node clock is ${Math.abs(Math.round(skew.skewMs))} ms ${direction} the database clock ` +
    `(± ${Math.ceil(skew.uncertaintyMs)} ms)`;
  return skew.warn
    ? `${text}; above ${CLOCK_SKEW_WARN_MS} ms: log and telemetry times will disagree, synchronise the node's clock (NTP). Leader election is not affected.`
    : text;
}
