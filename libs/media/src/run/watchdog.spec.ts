import { Watchdog } from './watchdog';

describe('Watchdog', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('fires "stalled" when no progress comes for the stall limit', () => {
    const fired: string[] = [];
    const watchdog = new Watchdog({ wallClockMs: 10_000, stallMs: 1_000 }, (kind, ms) =>
      fired.push(`${kind} ${ms}`),
    );
    watchdog.start();
    jest.advanceTimersByTime(999);
    expect(fired).toEqual([]);
    jest.advanceTimersByTime(1);
    expect(fired).toEqual(['stalled 1000']);
  });

  it('restarts the stall limit at each progress, but never the wall clock', () => {
    const fired: string[] = [];
    const watchdog = new Watchdog({ wallClockMs: 5_000, stallMs: 1_000 }, (kind) => fired.push(kind));
    watchdog.start();
    for (let elapsed = 0; elapsed < 4_900; elapsed += 700) {
      jest.advanceTimersByTime(700);
      watchdog.progressed();
    }
    expect(fired).toEqual([]);
    jest.advanceTimersByTime(200);
    expect(fired).toEqual(['wall-clock']);
  });

  it('fires once, and never after stop()', () => {
    const fired: string[] = [];
    const once = new Watchdog({ wallClockMs: 1_000, stallMs: 1_000 }, (kind) => fired.push(kind));
    once.start();
    jest.advanceTimersByTime(5_000);
    expect(fired).toHaveLength(1);
    const stopped = new Watchdog({ wallClockMs: 1_000, stallMs: 500 }, (kind) => fired.push(kind));
    stopped.start();
    stopped.stop();
    stopped.progressed();
    jest.advanceTimersByTime(5_000);
    expect(fired).toHaveLength(1);
  });

  it('has only the wall clock without a stall limit (ffprobe)', () => {
    const fired: string[] = [];
    new Watchdog({ wallClockMs: 3_000 }, (kind) => fired.push(kind)).start();
    jest.advanceTimersByTime(2_999);
    expect(fired).toEqual([]);
    jest.advanceTimersByTime(1);
    expect(fired).toEqual(['wall-clock']);
  });
});
