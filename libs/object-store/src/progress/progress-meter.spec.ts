import { ProgressMeter, type TransferProgress } from './progress-meter';

function meter(total: number, options: { minIntervalMs?: number; windowMs?: number } = {}) {
  let now = 0;
  const events: TransferProgress[] = [];
  const progress = new ProgressMeter(total, (event) => events.push(event), { now: () => now, ...options });
  return { progress, events, tick: (ms: number) => (now += ms) };
}

it('reports bytes done, total and the rate', () => {
  const { progress, events, tick } = meter(1000, { minIntervalMs: 0 });
  tick(1000);
  progress.advance(200);
  tick(1000);
  progress.advance(200);
  expect(events.at(-1)).toEqual({ bytesDone: 400, bytesTotal: 1000, bytesPerSecond: 200 });
});

it('counts reused bytes as done but not in the rate', () => {
  const { progress, events, tick } = meter(1000, { minIntervalMs: 0 });
  tick(1000);
  progress.advance(600, false);
  tick(1000);
  progress.advance(100);
  expect(events.at(-1)).toEqual({ bytesDone: 700, bytesTotal: 1000, bytesPerSecond: 50 });
});

it('measures the rate over the recent window only', () => {
  const { progress, events, tick } = meter(10_000, { minIntervalMs: 0, windowMs: 2000 });
  tick(1000);
  progress.advance(5000);
  for (let second = 0; second < 5; second++) {
    tick(1000);
    progress.advance(100);
  }
  expect(events.at(-1)!.bytesPerSecond).toBe(100);
});

it('throttles events but always reports the end', () => {
  const { progress, events, tick } = meter(100, { minIntervalMs: 250 });
  for (let i = 0; i < 10; i++) {
    tick(10);
    progress.advance(10);
  }
  expect(events).toHaveLength(1);
  progress.finish();
  expect(events.at(-1)!.bytesDone).toBe(100);
});
