import { WakeAlarm } from './wake-alarm';

const HOUR = 3_600_000;

it('ends an hour-long sleep at once when it rings', async () => {
  const alarm = new WakeAlarm();
  const started = performance.now();
  const sleeping = alarm.sleep(HOUR, new AbortController().signal);
  alarm.ring();
  await sleeping;
  expect(performance.now() - started).toBeLessThan(1000);
});

it('ends a sleep on abort, and does not sleep once aborted', async () => {
  const alarm = new WakeAlarm();
  const controller = new AbortController();
  const sleeping = alarm.sleep(HOUR, controller.signal);
  controller.abort();
  await sleeping;
  await alarm.sleep(HOUR, controller.signal);
});

it('ends a sleep when its time is up', async () => {
  const alarm = new WakeAlarm();
  const started = performance.now();
  await alarm.sleep(20, new AbortController().signal);
  expect(performance.now() - started).toBeGreaterThanOrEqual(19);
});

it('drops a ring while nobody sleeps: the next sleep still waits its time', async () => {
  const alarm = new WakeAlarm();
  alarm.ring();
  const started = performance.now();
  await alarm.sleep(20, new AbortController().signal);
  expect(performance.now() - started).toBeGreaterThanOrEqual(19);
});
