export interface BackoffPolicy {
  /** Delay before the first retry (before jitter). */
  baseMs: number;
  /** Upper bound of any delay. */
  capMs: number;
}

/**
 * Exponential backoff with "equal jitter": the delay for the n-th consecutive failure (n ≥ 1) is
 * drawn from [d/2, d] with d = min(cap, base · 2^(n-1)). The jitter keeps a cluster of nodes from
 * hitting a control plane that comes back all in the same instant; the lower half keeps retries
 * from collapsing to zero.
 */
export function backoffDelay(
  failures: number,
  policy: BackoffPolicy,
  random: () => number = Math.random,
): number {
  const exponent = Math.min(Math.max(failures, 1) - 1, 30);
  const ceiling = Math.min(policy.capMs, policy.baseMs * 2 ** exponent);
  return Math.round(ceiling / 2 + (ceiling / 2) * Math.min(Math.max(random(), 0), 1));
}
