import { faults, useTestDatabase, waitFor } from '@portico/testing';
import { DatabaseHealthCheck } from './database.adapter';
import { HealthMonitor } from './health-monitor';

// Real PostgreSQL behind real pgBouncer (transaction mode). The monitor runs fast here (250 ms)
// so the hysteresis plays out in a second or two; the production default is 2 s.
describe('database health check through pgBouncer', () => {
  const db = useTestDatabase();
  let check: DatabaseHealthCheck;
  let monitor: HealthMonitor;
  let changes: string[];

  beforeEach(() => {
    check = new DatabaseHealthCheck(db.url, { timeoutMs: 200 });
    monitor = new HealthMonitor([check], { intervalMs: 250 });
    changes = [];
    monitor.onChange((_name, state) => changes.push(state.status));
  });

  afterEach(async () => {
    await monitor.stop();
    await check.close();
  });

  it('answers SELECT 1 with its latency', async () => {
    const details = await check.run(new AbortController().signal);
    expect(Object.keys(details)).toEqual(['latencyMs']);
    expect(typeof details.latencyMs).toBe('number');
  });

  it('goes down after 3 failures when pgBouncer stops, and comes back after it starts', async () => {
    monitor.start();
    await waitFor(() => monitor.isHealthy('database'), { description: 'database check up' });

    await faults.pgbouncer.stop();
    try {
      await waitFor(() => !monitor.isHealthy('database'), { description: 'database check down' });
      expect(monitor.state('database')?.consecutiveFailures).toBeGreaterThanOrEqual(3);
      expect(monitor.state('database')?.lastError).toMatch(/^Cannot connect to .*connection refused/);
      expect(monitor.state('database')?.lastError).not.toContain(new URL(db.url).password);
      expect(monitor.roleGate('TRANSCODE')).toMatchObject({ allowed: false, blockedBy: ['database'] });
      expect(monitor.snapshot().database).toMatchObject({ status: 'down' });
    } finally {
      await faults.pgbouncer.start();
    }
    await waitFor(() => monitor.isHealthy('database'), { description: 'database check up again' });
    expect(monitor.state('database')?.consecutiveSuccesses).toBeGreaterThanOrEqual(2);
    expect(changes).toEqual(['up', 'down', 'up']);
  });

  it('turns a query held by a paused pgBouncer into timeouts, and recovers on resume', async () => {
    monitor.start();
    await waitFor(() => monitor.isHealthy('database'), { description: 'database check up' });

    await faults.pgbouncer.pause(db.name);
    try {
      await waitFor(() => !monitor.isHealthy('database'), {
        description: 'database check down while paused',
      });
      expect(monitor.state('database')?.lastError).toMatch(/within 200 ms|timed out|timeout/i);
    } finally {
      await faults.pgbouncer.resume(db.name);
    }
    await waitFor(() => monitor.isHealthy('database'), { description: 'database check up after resume' });
    expect(changes).toEqual(['up', 'down', 'up']);
  });
});
