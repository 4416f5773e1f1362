import { BatchPacer, type PaceLimits } from './scan-pace';

const LIMITS: PaceLimits = {
  budgetMs: 300,
  firstEntries: 1000,
  minEntries: 100,
  maxEntries: 10_000,
  firstChanges: 500,
};

describe('BatchPacer', () => {
  it('starts with the first size and a cautious change limit', () => {
    const pacer = new BatchPacer(LIMITS);
    expect(pacer.entries).toBe(1000);
    expect(pacer.changeLimit).toBe(500);
  });

  it('shrinks at once to what fits the budget when a commit is slow', () => {
    const pacer = new BatchPacer(LIMITS);
    pacer.record(1000, 1000, 1500); // 1.5 ms a file: 200 fit in 300 ms
    expect(pacer.entries).toBe(200);
    expect(pacer.changeLimit).toBe(200);
  });

  it('grows at most twofold per batch, up to the maximum', () => {
    const pacer = new BatchPacer(LIMITS);
    const sizes: number[] = [];
    for (let batch = 0; batch < 6; batch++) {
      pacer.record(pacer.entries, 0, 1); // next to nothing: unchanged folders
      sizes.push(pacer.entries);
    }
    expect(sizes).toEqual([2000, 4000, 8000, 10_000, 10_000, 10_000]);
  });

  it('never goes below the minimum', () => {
    const pacer = new BatchPacer(LIMITS);
    pacer.record(100, 100, 60_000);
    expect(pacer.entries).toBe(100);
    expect(pacer.changeLimit).toBe(100);
  });

  it('believes a faster commit by half only', () => {
    const pacer = new BatchPacer(LIMITS);
    pacer.record(1000, 1000, 600); // 0.6 ms a file -> 500
    expect(pacer.entries).toBe(500);
    pacer.record(500, 500, 50); // 0.1 ms measured, 0.35 believed -> 857, under twice 500
    expect(pacer.entries).toBe(857);
    expect(pacer.changeLimit).toBe(857);
  });

  it('keeps the change limit learned from heavy batches through a stretch of cheap ones', () => {
    const pacer = new BatchPacer(LIMITS);
    pacer.record(1000, 1000, 600); // 0.6 ms a change
    for (let batch = 0; batch < 6; batch++) pacer.record(pacer.entries, 10, 2);
    expect(pacer.entries).toBe(10_000);
    expect(pacer.changeLimit).toBe(500);
  });
});
