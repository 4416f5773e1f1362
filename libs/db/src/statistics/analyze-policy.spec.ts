import { AnalyzePolicy } from './analyze-policy';

describe('AnalyzePolicy', () => {
  it('is due after minRows on a fresh table, then after a fraction of the table as last analyzed', () => {
    const policy = new AnalyzePolicy({ minRows: 1_000, fraction: 0.2 });
    expect(policy.note('portico.files', 600)).toBe(false);
    expect(policy.note('portico.files', 400)).toBe(true);
    policy.refreshing('portico.files');
    policy.refreshed('portico.files', 20_000);
    // 20% of 20,000 = 4,000.
    expect(policy.note('portico.files', 3_000)).toBe(false);
    expect(policy.note('portico.files', 1_000)).toBe(true);
    // Tables are counted apart.
    expect(policy.note('portico.assets', 999)).toBe(false);
  });

  it('counts writes made while a refresh runs towards the next one', () => {
    const policy = new AnalyzePolicy({ minRows: 10, fraction: 0 });
    expect(policy.note('a.t', 10)).toBe(true);
    policy.refreshing('a.t');
    expect(policy.note('a.t', 5)).toBe(false);
    policy.refreshed('a.t', 10);
    expect(policy.note('a.t', 5)).toBe(true);
  });

  it('rejects bad options', () => {
    expect(() => new AnalyzePolicy({ minRows: 0 })).toThrow(RangeError);
    expect(() => new AnalyzePolicy({ fraction: -1 })).toThrow(RangeError);
  });
});
