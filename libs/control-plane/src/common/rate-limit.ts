/**
 * Lets one event through per interval and counts the ones held back, so that a dependency
 * that is down (Redis, the database during a sweep) yields one log line per interval instead
 * of one per request.
 */
export interface RateLimiter {
  /** Returns the number of events suppressed since the last one let through, or undefined to suppress this one. */
  take(): number | undefined;
}

export function createRateLimiter(intervalMs: number, now: () => number = Date.now): RateLimiter {
  let last: number | undefined;
  let suppressed = 0;
  return {
    take() {
      const t = now();
      if (last !== undefined && t - last < intervalMs) {
        suppressed += 1;
        return undefined;
      }
      last = t;
      const held = suppressed;
      suppressed = 0;
      return held;
    },
  };
}
