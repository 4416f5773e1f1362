// The node's monotonic clock: never jumps with NTP or a manual time change, so deadlines timed
// on it hold. It is meaningless across processes; only durations on one node are compared.

export abstract class MonotonicClock {
  /** Milliseconds since an arbitrary, fixed origin. */
  abstract now(): number;
}

class PerformanceClock extends MonotonicClock {
  override now(): number {
    return performance.now();
  }
}

export const systemMonotonicClock: MonotonicClock = new PerformanceClock();
