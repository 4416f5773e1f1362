import {
  CLOCK_SKEW_WARN_MS,
  DatabaseClock,
  describeClockSkew,
  measureClockSkew,
  skewFromSamples,
} from './clock-skew';

describe('clock skew', () => {
  it('corrects by half the round trip', () => {
    // sent at 1000, answered at 1100: the database read its clock at ~1050 node time
    const skew = skewFromSamples([{ sentAtMs: 1000, databaseMs: 550, receivedAtMs: 1100 }]);
    expect(skew).toMatchObject({ skewMs: 500, roundTripMs: 100, uncertaintyMs: 50, warn: false });
  });

  it('uses the sample with the shortest round trip', () => {
    const skew = skewFromSamples([
      { sentAtMs: 0, databaseMs: 0, receivedAtMs: 400 },
      { sentAtMs: 1000, databaseMs: 2005, receivedAtMs: 1010 },
      { sentAtMs: 2000, databaseMs: 2800, receivedAtMs: 2300 },
    ]);
    expect(skew.skewMs).toBe(-1000);
    expect(skew.roundTripMs).toBe(10);
    expect(skew.samples).toBe(3);
  });

  it('warns above one second either way', () => {
    expect(CLOCK_SKEW_WARN_MS).toBe(1000);
    expect(skewFromSamples([{ sentAtMs: 5000, databaseMs: 3999, receivedAtMs: 5000 }]).warn).toBe(true);
    expect(skewFromSamples([{ sentAtMs: 5000, databaseMs: 4000, receivedAtMs: 5000 }]).warn).toBe(false);
    expect(skewFromSamples([{ sentAtMs: 5000, databaseMs: 6001, receivedAtMs: 5000 }]).warn).toBe(true);
  });

  it('rejects an empty sample set', () => {
    expect(() => skewFromSamples([])).toThrow(RangeError);
  });

  it('measures through the DatabaseClock port with an injected wall clock', async () => {
    let wall = 10_000;
    class FakeDb extends DatabaseClock {
      override nowMs(): Promise<number> {
        wall += 4; // the query takes 8 ms in all, the database answers midway
        const db = wall - 2500;
        wall += 4;
        return Promise.resolve(db);
      }
    }
    const skew = await measureClockSkew(new FakeDb(), { samples: 3, wallClockMs: () => wall });
    expect(skew).toMatchObject({ skewMs: 2500, roundTripMs: 8, warn: true, samples: 3 });
    expect(describeClockSkew(skew)).toMatch(
      /^node clock is 2500 ms ahead of the database clock \(± 4 ms\); above 1000 ms/,
    );
    expect(describeClockSkew({ ...skew, skewMs: -20, warn: false })).toBe(
      'node clock is 20 ms behind the database clock (± 4 ms)',
    );
  });
});
