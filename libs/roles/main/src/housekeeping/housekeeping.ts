/** How often the leader does its housekeeping, and how often it prunes the fenced-write audit. */
export const HOUSEKEEPING_INTERVAL_MS = 1000;
export const PRUNE_EVERY_ROUNDS = 3600;

/** Whether this round also prunes (the first round of a term does, then once an hour). */
export function shouldPrune(round: number): boolean {
  return round % PRUNE_EVERY_ROUNDS === 0;
}
