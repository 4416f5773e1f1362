import { DEFAULT_MEDIA_LIMITS, mediaLimits, wallClockLimitMs } from './limits';

describe('media limits', () => {
  it('scales the wall-clock limit with the media duration', () => {
    const limits = mediaLimits({ wallClockBaseMs: 60_000, wallClockPerMediaSecond: 4 });
    expect(wallClockLimitMs(limits, 100)).toBe(60_000 + 400_000);
    expect(wallClockLimitMs(limits, undefined)).toBe(60_000);
    expect(wallClockLimitMs(DEFAULT_MEDIA_LIMITS, 3600)).toBe(600_000 + 36_000_000);
  });

  it('rejects a limit that is not a positive number, naming it', () => {
    expect(() => mediaLimits({ stallMs: 0 })).toThrow('media limit stallMs must be a positive number, got 0');
    expect(() => mediaLimits({ probeTimeoutMs: Number.NaN })).toThrow('probeTimeoutMs');
  });
});
