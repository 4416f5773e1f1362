// pg-boss through pgBouncer in transaction mode: send → work → complete, with no LISTEN/NOTIFY.
import { harness, pgbouncerAdmin, useTestDatabase, waitFor } from '@portico/testing';

import { createBoss, type PgBoss } from '../index';

const db = useTestDatabase();
let boss: PgBoss | undefined;

afterEach(async () => {
  await boss?.stop({ graceful: false, timeout: 5_000 });
  boss = undefined;
});

it('runs a job round trip through pgBouncer (transaction mode)', async () => {
  expect(db.url).toContain(`:${harness().state.pgbouncer.port}/`);
  const instance = createBoss(db.url, {
    application_name: 'boss-round-trip',
    supervise: false,
    schedule: false,
  });
  boss = instance;
  const errors: unknown[] = [];
  instance.on('error', (error) => errors.push(error));
  await instance.start();
  await instance.createQueue('round-trip');

  const handled: unknown[] = [];
  await instance.work<{ n: number }>('round-trip', { pollingIntervalSeconds: 0.5 }, ([job]) => {
    handled.push(job?.data);
    return Promise.resolve({ doubled: (job?.data.n ?? 0) * 2 });
  });
  const id = await instance.send('round-trip', { n: 21 });
  if (!id) throw new Error('send() returned no job id');

  const done = await waitFor(
    async () => {
      const [job] = await instance.findJobs<{ n: number }>('round-trip', { id });
      return job?.state === 'completed' ? job : undefined;
    },
    { description: `job ${id} completed`, timeoutMs: 20_000 },
  );
  expect(handled).toEqual([{ n: 21 }]);
  expect(done.output).toEqual({ doubled: 42 });
  expect(errors).toEqual([]);

  // The traffic really went through pgBouncer, in transaction mode.
  const pools = await pgbouncerAdmin('SHOW POOLS');
  expect(pools.find((row) => row.database === db.name)).toMatchObject({ pool_mode: 'transaction' });
});

it('refuses to start on a database migrate() has not prepared', async () => {
  const instance = createBoss(harness().pgbouncerUrl('postgres'), { supervise: false, schedule: false });
  boss = instance;
  instance.on('error', () => undefined);
  await expect(instance.start()).rejects.toThrow();
});
