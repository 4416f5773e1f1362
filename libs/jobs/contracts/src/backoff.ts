// The retry delay pg-boss applies when an attempt fails (its failJobs SQL), as bounds: with
// backoff it is delay * (2^n / 2 + 2^n / 2 * random()), n = min(16, retryCount + 1), capped by
// maxDelaySeconds. Used to explain and test "growing delays"; pg-boss computes the real value.
import { type RetryPolicy } from './define-job';

export interface DelayBounds {
  readonly minSeconds: number;
  readonly maxSeconds: number;
}

/** Delay before the retry that follows the failed attempt number `retryCount` (0-based). */
export function retryDelayBounds(policy: RetryPolicy, retryCount: number): DelayBounds {
  if (!policy.backoff) return { minSeconds: policy.delaySeconds, maxSeconds: policy.delaySeconds };
  const base = Math.max(policy.delaySeconds, 1);
  const power = 2 ** Math.min(16, retryCount + 1);
  const cap = policy.maxDelaySeconds ?? Number.POSITIVE_INFINITY;
  return { minSeconds: Math.min(cap, (base * power) / 2), maxSeconds: Math.min(cap, base * power) };
}

/** Attempts a job gets in total before it is dead-lettered. */
export function totalAttempts(policy: RetryPolicy): number {
  return policy.limit + 1;
}
