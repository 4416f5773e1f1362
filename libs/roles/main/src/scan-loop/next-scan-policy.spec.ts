import { NextScanPolicy } from './next-scan-policy';

/** A policy on a hand-driven clock, with one scan from `start` to `end` behind it. */
function after(scan: { start: number; end: number; waitMs: number; failed?: boolean }): {
  policy: NextScanPolicy;
  at: (ms: number) => void;
} {
  const clock = { ms: scan.start };
  const policy = new NextScanPolicy(() => clock.ms);
  policy.scanStarted();
  clock.ms = scan.end;
  policy.scanEnded({ waitMs: scan.waitMs, failed: scan.failed });
  return { policy, at: (ms) => (clock.ms = ms) };
}

it('scans at once before any scan ran', () => {
  const policy = new NextScanPolicy(() => 5000);
  expect(policy.delayMs()).toBe(0);
});

it('without changes, waits what the last scan said', () => {
  const { policy, at } = after({ start: 0, end: 100, waitMs: 60_000 });
  expect(policy.nextScanAt()).toBe(60_100);
  at(30_100);
  expect(policy.delayMs()).toBe(30_000);
});

describe('a change', () => {
  it('starts the next scan 200 ms after it, and wakes the waiting loop', () => {
    const { policy, at } = after({ start: 0, end: 50, waitMs: 60_000 });
    at(10_000);
    expect(policy.changed()).toBe(true);
    expect(policy.nextScanAt()).toBe(10_200);
    expect(policy.delayMs()).toBe(200);
  });

  it('is debounced: each change of a burst moves the scan 200 ms past the last one', () => {
    const { policy, at } = after({ start: 0, end: 50, waitMs: 60_000 });
    at(10_000);
    policy.changed();
    at(10_150);
    // A later time is no reason to wake the loop: it wakes at 10,200 and waits again.
    expect(policy.changed()).toBe(false);
    expect(policy.nextScanAt()).toBe(10_350);
  });

  it('waits at most 1 s after the first change of a burst that never pauses', () => {
    const { policy, at } = after({ start: 0, end: 50, waitMs: 60_000 });
    for (let ms = 10_000; ms <= 12_000; ms += 100) {
      at(ms);
      policy.changed();
    }
    expect(policy.nextScanAt()).toBe(11_000);
  });

  it("never starts a scan sooner than the last scan's duration after its end", () => {
    // A 30 s scan of a large storage: at most half the time scanning, however busy the storage.
    const { policy, at } = after({ start: 0, end: 30_000, waitMs: 60_000 });
    at(30_100);
    expect(policy.changed()).toBe(true);
    expect(policy.nextScanAt()).toBe(60_000);
    at(59_000);
    policy.changed();
    expect(policy.nextScanAt()).toBe(60_000);
    at(59_950);
    policy.changed();
    // Already more than 1 s after the burst's first change: the floor alone holds it back.
    expect(policy.nextScanAt()).toBe(60_000);
  });

  it('never delays the scan past the interval, nor past a settling file', () => {
    const { policy, at } = after({ start: 0, end: 40_000, waitMs: 1_000 });
    at(40_500);
    expect(policy.changed()).toBe(false);
    expect(policy.nextScanAt()).toBe(41_000);
  });

  it('during a scan means "scan again" right after it, with the same floor', () => {
    const clock = { ms: 0 };
    const policy = new NextScanPolicy(() => clock.ms);
    policy.scanStarted();
    clock.ms = 2_000;
    expect(policy.changed()).toBe(false);
    clock.ms = 3_000;
    policy.scanEnded({ waitMs: 60_000 });
    expect(policy.nextScanAt()).toBe(6_000);
    // A short scan: the debounce, counted from the change, is what is left.
    policy.scanStarted();
    clock.ms = 3_050;
    policy.changed();
    clock.ms = 3_100;
    policy.scanEnded({ waitMs: 60_000 });
    expect(policy.nextScanAt()).toBe(3_250);
  });

  it('made before a scan started is covered by it', () => {
    const { policy, at } = after({ start: 0, end: 50, waitMs: 60_000 });
    at(1_000);
    policy.changed();
    policy.scanStarted();
    at(1_100);
    policy.scanEnded({ waitMs: 60_000 });
    expect(policy.nextScanAt()).toBe(61_100);
  });

  it('does not hurry the retry of a failed scan', () => {
    const { policy, at } = after({ start: 0, end: 20, waitMs: 5_000, failed: true });
    at(1_000);
    expect(policy.changed()).toBe(false);
    expect(policy.nextScanAt()).toBe(5_020);
  });
});

it('starts a requested scan at once, floor or not, and only once', () => {
  const { policy, at } = after({ start: 0, end: 30_000, waitMs: 60_000 });
  at(30_100);
  policy.requestNow();
  expect(policy.delayMs()).toBe(0);
  policy.scanStarted();
  at(30_200);
  policy.scanEnded({ waitMs: 60_000 });
  expect(policy.nextScanAt()).toBe(90_200);
});
