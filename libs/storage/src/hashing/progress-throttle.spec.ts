import { ProgressThrottle } from './progress-throttle';

describe('ProgressThrottle', () => {
  it('is due once per interval, counting from construction and from each report', () => {
    let now = 1000;
    const throttle = new ProgressThrottle(500, () => now);
    expect(throttle.due()).toBe(false);
    now = 1499;
    expect(throttle.due()).toBe(false);
    now = 1500;
    expect(throttle.due()).toBe(true);
    expect(throttle.due()).toBe(false);
    now = 1999;
    expect(throttle.due()).toBe(false);
    now = 2600;
    expect(throttle.due()).toBe(true);
  });

  it('with a zero interval is always due', () => {
    const throttle = new ProgressThrottle(0, () => 0);
    expect(throttle.due()).toBe(true);
    expect(throttle.due()).toBe(true);
  });
});
