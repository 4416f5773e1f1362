import { HealthCheck, type HealthDetails } from './health-check';
import { HealthMonitor } from './health-monitor';
import { readinessChecksFor } from './health.indicator';
import { HealthResult } from '@portico/control-plane-client';

/** A check whose results are scripted: 's' succeeds, 'f' fails, 'h' hangs until released. */
class ScriptedCheck extends HealthCheck {
  calls = 0;
  running = 0;
  maxRunning = 0;
  private hung: (() => void)[] = [];
  constructor(
    readonly name: string,
    public script: string,
  ) {
    super();
  }
  async run(): Promise<HealthDetails> {
    const step = this.script[this.calls] ?? this.script.at(-1) ?? 's';
    this.calls += 1;
    this.running += 1;
    this.maxRunning = Math.max(this.maxRunning, this.running);
    try {
      if (step === 'h') await new Promise<void>((resolve) => this.hung.push(resolve));
      if (step === 'f') throw new Error(`${this.name} broke (call ${this.calls})`);
      return { call: this.calls };
    } finally {
      this.running -= 1;
    }
  }
  release(): void {
    for (const resolve of this.hung.splice(0)) resolve();
  }
}

const clock = () => {
  let now = Date.parse('2030-01-01T00:00:00Z');
  return { now: () => new Date(now), advance: (ms: number) => (now += ms) };
};

async function rounds(monitor: HealthMonitor, count: number): Promise<void> {
  for (let i = 0; i < count; i++) await monitor.runOnce();
}

describe('HealthMonitor', () => {
  afterEach(() => jest.useRealTimers());

  it('debounces each check and emits one change per flip', async () => {
    const database = new ScriptedCheck('database', 'ssfsffffss');
    const storage = new ScriptedCheck('storage', 's');
    const monitor = new HealthMonitor([database, storage], { now: clock().now });
    const changes: string[] = [];
    monitor.onChange((name, state) => changes.push(`${name}:${state.status}`));

    await rounds(monitor, 1);
    expect(monitor.isHealthy('database')).toBe(false);
    expect(monitor.eligibleForLeadership()).toBe(false);
    await rounds(monitor, 1);
    expect(changes).toEqual(['database:up', 'storage:up']);
    expect(monitor.eligibleForLeadership()).toBe(true);

    await rounds(monitor, 4); // f s f f: never 3 failures in a row
    expect(changes).toHaveLength(2);
    expect(monitor.state('database')).toMatchObject({ status: 'up', consecutiveFailures: 2 });
    await rounds(monitor, 2); // f f → third and fourth consecutive failure
    expect(changes).toEqual(['database:up', 'storage:up', 'database:down']);
    expect(monitor.isHealthy('database')).toBe(false);
    expect(monitor.eligibleForLeadership()).toBe(false);
    expect(monitor.roleGate('CHECKSUM')).toEqual({
      role: 'CHECKSUM',
      allowed: false,
      blockedBy: ['database'],
    });

    await rounds(monitor, 2);
    expect(changes).toEqual(['database:up', 'storage:up', 'database:down', 'database:up']);
    expect(monitor.roleGate('CHECKSUM').allowed).toBe(true);
  });

  it('produces the telemetry health field in the contract shape', async () => {
    const monitor = new HealthMonitor(
      [new ScriptedCheck('database', 'ssfff'), new ScriptedCheck('storage', 's')],
      {
        now: clock().now,
      },
    );
    await rounds(monitor, 5);
    const snapshot = monitor.snapshot();
    for (const result of Object.values(snapshot)) expect(HealthResult.parse(result)).toEqual(result);
    expect(snapshot.database).toMatchObject({ status: 'down', message: 'database broke (call 5)' });
    expect(snapshot.storage).toMatchObject({ status: 'up' });
    expect(snapshot.storage?.message).toBeUndefined();
  });

  it('turns a hanging check into failures, never starting a second run while one hangs', async () => {
    jest.useFakeTimers();
    const storage = new ScriptedCheck('storage', 'ssh');
    const monitor = new HealthMonitor([storage], { intervalMs: 2000, timeoutMs: 500 });
    await rounds(monitor, 2);
    expect(monitor.isHealthy('storage')).toBe(true);

    for (let i = 0; i < 3; i++) {
      const round = monitor.runOnce();
      await jest.advanceTimersByTimeAsync(500);
      await round;
    }
    expect(storage.calls).toBe(3); // the hung probe was started once, then skipped
    expect(storage.maxRunning).toBe(1);
    expect(monitor.state('storage')).toMatchObject({ status: 'down', consecutiveFailures: 3 });
    expect(monitor.state('storage')?.lastError).toMatch(/has not returned for \d+ ms/);

    storage.release();
    storage.script = 's';
    await jest.advanceTimersByTimeAsync(0);
    await rounds(monitor, 2);
    expect(storage.calls).toBe(5);
    expect(monitor.isHealthy('storage')).toBe(true);
  });

  it('reports a timeout as a failure naming the check and the limit', async () => {
    jest.useFakeTimers();
    const check = new ScriptedCheck('control-plane', 'h');
    const monitor = new HealthMonitor([check], { timeoutMs: 300, thresholds: { failuresToDown: 1 } });
    const round = monitor.runOnce();
    await jest.advanceTimersByTimeAsync(300);
    await round;
    expect(monitor.state('control-plane')?.lastError).toBe(
      'control-plane check did not answer within 300 ms',
    );
    check.release();
  });

  it('caps a check timeout at the interval', async () => {
    jest.useFakeTimers();
    const check = new ScriptedCheck('database', 'h');
    Object.assign(check, { timeoutMs: 60_000 });
    const monitor = new HealthMonitor([check], { intervalMs: 1000 });
    const round = monitor.runOnce();
    await jest.advanceTimersByTimeAsync(1000);
    await round;
    expect(monitor.state('database')?.lastError).toMatch(/within 1000 ms/);
    check.release();
  });

  it('runs on its interval after start() and stops cleanly', async () => {
    jest.useFakeTimers();
    const check = new ScriptedCheck('database', 's');
    const monitor = new HealthMonitor([check], { intervalMs: 2000 });
    monitor.start();
    monitor.start(); // idempotent
    await jest.advanceTimersByTimeAsync(0);
    expect(check.calls).toBe(1);
    await jest.advanceTimersByTimeAsync(2000);
    expect(check.calls).toBe(2);
    expect(monitor.isHealthy('database')).toBe(true);
    await monitor.stop();
    await jest.advanceTimersByTimeAsync(10_000);
    expect(check.calls).toBe(2);
  });

  it('joins a round already running instead of overlapping it', async () => {
    const check = new ScriptedCheck('database', 's');
    const monitor = new HealthMonitor([check]);
    await Promise.all([monitor.runOnce(), monitor.runOnce()]);
    expect(check.calls).toBe(1);
  });

  it('keeps going when a listener throws', async () => {
    const warnings: string[] = [];
    const monitor = new HealthMonitor([new ScriptedCheck('database', 's')], {
      thresholds: { successesToUp: 1 },
      logger: { info: () => undefined, warn: (_obj, msg) => warnings.push(msg) },
    });
    const seen: string[] = [];
    monitor.onChange(() => {
      throw new Error('listener bug');
    });
    monitor.onChange((name) => seen.push(name));
    await monitor.runOnce();
    expect(seen).toEqual(['database']);
    expect(warnings).toContain('a health change listener failed');
  });

  it('refuses two checks with one name', () => {
    expect(
      () => new HealthMonitor([new ScriptedCheck('database', 's'), new ScriptedCheck('database', 's')]),
    ).toThrow(/two checks are named "database"/);
  });

  it('readiness bridge answers from the debounced state without probing', async () => {
    const database = new ScriptedCheck('database', 'ssfff');
    const monitor = new HealthMonitor([database], { now: clock().now });
    const [ready] = readinessChecksFor(monitor);
    if (!ready) throw new Error('no readiness check');
    expect(ready.name).toBe('database');
    await expect(ready.check()).rejects.toThrow(/database is down since .*: not checked yet/);
    await rounds(monitor, 3);
    await expect(ready.check()).resolves.toMatchObject({
      recentFailures: 1,
      lastError: 'database broke (call 3)',
    });
    const callsBefore = database.calls;
    await ready.check();
    expect(database.calls).toBe(callsBefore);
    await rounds(monitor, 2);
    await expect(ready.check()).rejects.toThrow(/database is down since .*: database broke \(call 5\)/);
  });
});
