import { BatchSizing } from './batch-sizing';

describe('BatchSizing', () => {
  it('starts at one job and doubles per batch up to maxJobs while jobs are light', () => {
    const sizing = new BatchSizing({ maxJobs: 50, budget: 1_000 });
    const limits: number[] = [];
    for (let i = 0; i < 8; i += 1) {
      const limit = sizing.nextLimit();
      limits.push(limit);
      expect(sizing.keep(Array.from({ length: limit }, () => 1))).toBe(limit);
    }
    expect(limits).toEqual([1, 2, 4, 8, 16, 32, 50, 50]);
  });

  it('keeps what fits the budget, always the first job, and claims fewer after heavy jobs', () => {
    const sizing = new BatchSizing({ maxJobs: 50, budget: 100 });
    expect(sizing.keep([30, 30, 30, 30])).toBe(3);
    expect(sizing.keep([500, 1])).toBe(1);
    expect(sizing.nextLimit()).toBe(1);
    // Light jobs again: the mean falls and the claim grows back.
    for (let i = 0; i < 40; i += 1) sizing.keep([1]);
    expect(sizing.nextLimit()).toBe(2);
    expect(sizing.nextLimit()).toBe(4);
  });

  it('treats missing or negative weights as zero and rejects bad options', () => {
    const sizing = new BatchSizing({ maxJobs: 3, budget: 10 });
    expect(sizing.keep([Number.NaN, -5, 10, 0])).toBe(4);
    expect(() => new BatchSizing({ maxJobs: 0, budget: 1 })).toThrow(RangeError);
    expect(() => new BatchSizing({ maxJobs: 1, budget: 0 })).toThrow(RangeError);
  });
});
