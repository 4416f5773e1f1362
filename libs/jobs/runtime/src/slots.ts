// Slot accounting for a consumer's concurrency, which changes live. Lowering the limit never
// interrupts running handlers: it only stops new ones until enough have finished.

export class ConcurrencySlots {
  private limitValue: number;
  private runningValue = 0;

  constructor(limit: number) {
    this.limitValue = ConcurrencySlots.check(limit);
  }

  private static check(limit: number): number {
    if (!Number.isInteger(limit) || limit < 0) {
      throw new RangeError(`concurrency must be an integer >= 0, got ${String(limit)}`);
    }
    return limit;
  }

  get limit(): number {
    return this.limitValue;
  }

  get running(): number {
    return this.runningValue;
  }

  /** Slots free right now (0 while more handlers run than the new, lower limit). */
  get available(): number {
    return Math.max(0, this.limitValue - this.runningValue);
  }

  setLimit(limit: number): void {
    this.limitValue = ConcurrencySlots.check(limit);
  }

  /** Takes up to `wanted` slots; returns how many were taken. */
  take(wanted: number): number {
    const taken = Math.max(0, Math.min(wanted, this.available));
    this.runningValue += taken;
    return taken;
  }

  release(count = 1): void {
    if (count > this.runningValue)
      throw new Error(`released ${count} slots but only ${this.runningValue} are taken`);
    this.runningValue -= count;
  }
}
