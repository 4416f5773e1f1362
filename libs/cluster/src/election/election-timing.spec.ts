import { DEFAULT_ELECTION_TIMING, electionTiming, InvalidElectionTimingError } from './election-timing';

describe('electionTiming', () => {
  it('has the documented defaults', () => {
    expect({ ...DEFAULT_ELECTION_TIMING }).toEqual({
      leaseMs: 1500,
      renewEveryMs: 300,
      followerPollMs: 200,
      safetyMarginMs: 250,
      requestTimeoutMs: 1000,
      coolDownMs: 3000,
      retryAfterErrorMs: 100,
    });
  });

  it('derives the cool-down from the lease unless it is given', () => {
    expect(electionTiming({ leaseMs: 3000, requestTimeoutMs: 2000 }).coolDownMs).toBe(6000);
    expect(electionTiming({ leaseMs: 3000, coolDownMs: 0 }).coolDownMs).toBe(0);
  });

  it('returns a frozen value', () => {
    expect(Object.isFrozen(electionTiming())).toBe(true);
  });

  it.each([
    [{ renewEveryMs: 450 }, 'renewEveryMs', 'three renewal attempts'],
    [{ safetyMarginMs: 600 }, 'renewEveryMs', 'must be less than leaseMs'],
    [{ requestTimeoutMs: 1250 }, 'requestTimeoutMs', 'before the renew deadline'],
    [{ followerPollMs: 1501 }, 'followerPollMs', 'must not exceed leaseMs'],
    [{ retryAfterErrorMs: 301 }, 'retryAfterErrorMs', 'must not exceed renewEveryMs'],
    [{ leaseMs: 1500.5 }, 'leaseMs', 'whole number'],
    [{ coolDownMs: -1 }, 'coolDownMs', 'between 0 and'],
    [{ followerPollMs: 0 }, 'followerPollMs', 'greater than 0'],
    [{ safetyMarginMs: 0 }, 'safetyMarginMs', 'greater than 0'],
    [{ leaseMs: Number.NaN }, 'leaseMs', 'whole number'],
  ])('rejects %j naming %s', (overrides, key, rule) => {
    let error: unknown;
    try {
      electionTiming(overrides);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(InvalidElectionTimingError);
    expect((error as InvalidElectionTimingError).key).toBe(key);
    expect((error as Error).message).toContain(rule);
  });

  it('accepts the tightest valid combination', () => {
    expect(() =>
      electionTiming({ leaseMs: 1000, renewEveryMs: 200, safetyMarginMs: 399, requestTimeoutMs: 600 }),
    ).not.toThrow();
    expect(() =>
      electionTiming({ leaseMs: 1000, renewEveryMs: 200, safetyMarginMs: 400, requestTimeoutMs: 500 }),
    ).toThrow(InvalidElectionTimingError);
  });
});
