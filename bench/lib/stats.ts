// Order statistics for benchmark samples.

/**
 * The nearest-rank percentile: the smallest sample such that at least `p` percent of the samples
 * are less than or equal to it. Always an observed value, never an interpolation; with 50
 * samples p99 is the maximum, which is the conservative reading of a tail target.
 */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) throw new RangeError('percentile of no samples');
  if (!(p > 0 && p <= 100)) throw new RangeError(`percentile must be in (0, 100], got ${p}`);
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

export function maximum(samples: readonly number[]): number {
  if (samples.length === 0) throw new RangeError('maximum of no samples');
  return Math.max(...samples);
}
