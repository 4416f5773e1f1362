// Fencing against real PostgreSQL through pgBouncer in transaction mode.
import { randomUUID } from 'node:crypto';

import { createPool } from '@portico/db';
import { useTestDatabase } from '@portico/testing';
import { type Pool } from 'pg';

import { LeaseRepository } from '../election/lease.repository';
import { type LeaseGrant } from '../election/lease-store';
import { type FenceContext, StaleTermError } from './fence';
import { fencedQuery, withFence } from './fence.repository';

const db = useTestDatabase();
let pool: Pool;
let otherPool: Pool;

beforeAll(async () => {
  pool = createPool(db.url, { max: 4 });
  otherPool = createPool(db.url, { max: 4 });
  await pool.query(
    'CREATE TABLE public.fenced_test_writes (id bigserial PRIMARY KEY, cluster_id uuid, term bigint, note text)',
  );
});

afterAll(async () => {
  await pool.end();
  await otherPool.end();
});

async function newCluster(): Promise<string> {
  const id = randomUUID();
  await pool.query('INSERT INTO portico.clusters (id, name) VALUES ($1, $2)', [id, `fence-${id}`]);
  return id;
}

async function grant(
  leases: LeaseRepository,
  clusterId: string,
  nodeId: string,
  workerId: string,
  leaseMs: number,
) {
  const result = await leases.acquire(clusterId, nodeId, workerId, leaseMs);
  if (!result.granted) throw new Error('expected the lease to be granted');
  return result;
}

const writeNote = (clusterId: string, term: number, note: string) => (client: { query: Pool['query'] }) =>
  client.query('INSERT INTO public.fenced_test_writes (cluster_id, term, note) VALUES ($1, $2, $3)', [
    clusterId,
    term,
    note,
  ]);

async function count(sql: string, values: unknown[]): Promise<number> {
  return (await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${sql}`, values)).rows[0]!.n;
}

it('commits a write of the current term together with its audit row', async () => {
  const clusterId = await newCluster();
  const leases = new LeaseRepository(pool, { requestTimeoutMs: 1000 });
  const nodeId = randomUUID();
  const workerId = randomUUID();
  const { term } = await grant(leases, clusterId, nodeId, workerId, 10_000);
  const context: FenceContext = { clusterId, term, nodeId, workerId, action: 'ingest', subject: 'a.mov' };

  await expect(
    withFence(
      pool,
      context,
      async (client) => (await writeNote(clusterId, term, 'current')(client)).rowCount,
    ),
  ).resolves.toBe(1);

  expect(
    await count('public.fenced_test_writes WHERE cluster_id = $1 AND note = $2', [clusterId, 'current']),
  ).toBe(1);
  const audit = await pool.query(
    'SELECT term, node_id, worker_id, action, subject FROM portico.fenced_writes WHERE cluster_id = $1',
    [clusterId],
  );
  expect(audit.rows).toEqual([
    { term: String(term), node_id: nodeId, worker_id: workerId, action: 'ingest', subject: 'a.mov' },
  ]);
});

it('refuses a write with a stale term: StaleTermError with the current term, nothing visible', async () => {
  const clusterId = await newCluster();
  const leases = new LeaseRepository(pool, { requestTimeoutMs: 1000 });
  const [a, b] = [randomUUID(), randomUUID()];
  const old = await grant(leases, clusterId, a, a, 200);
  await leases.release(clusterId, old.term, a);
  const current = await grant(leases, clusterId, b, b, 10_000);
  expect(current.term).toBe(old.term + 1);

  const stale: FenceContext = { clusterId, term: old.term, nodeId: a, workerId: a, action: 'ingest' };
  let callbackRan = false;
  const error = await withFence(pool, stale, async (client) => {
    callbackRan = true;
    await writeNote(clusterId, old.term, 'stale')(client);
  }).catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(StaleTermError);
  expect((error as StaleTermError).currentTerm).toBe(current.term);
  expect(callbackRan).toBe(false);
  expect(await count('public.fenced_test_writes WHERE cluster_id = $1', [clusterId])).toBe(0);
  expect(await count('portico.fenced_writes WHERE cluster_id = $1', [clusterId])).toBe(0);

  // the same term from the wrong worker, and an expired lease, are refused too
  await expect(fencedQuery(pool, { ...stale, term: current.term }, 'SELECT 1')).rejects.toThrow(
    /another worker/,
  );
  const expired = await newCluster();
  const short = await grant(leases, expired, a, a, 50);
  await new Promise((resolve) => setTimeout(resolve, 80)); // let the 50 ms lease run out on the database clock
  await expect(
    fencedQuery(
      pool,
      { clusterId: expired, term: short.term, nodeId: a, workerId: a, action: 'x' },
      'SELECT 1',
    ),
  ).rejects.toThrow(/expired or was released/);
});

it('rolls back the caller’s writes and the audit row when the callback fails', async () => {
  const clusterId = await newCluster();
  const leases = new LeaseRepository(pool, { requestTimeoutMs: 1000 });
  const w = randomUUID();
  const { term } = await grant(leases, clusterId, w, w, 10_000);
  const context: FenceContext = { clusterId, term, nodeId: w, workerId: w, action: 'ingest' };
  await expect(
    withFence(pool, context, async (client) => {
      await writeNote(clusterId, term, 'doomed')(client);
      throw new Error('boom');
    }),
  ).rejects.toThrow('boom');
  expect(await count('public.fenced_test_writes WHERE cluster_id = $1', [clusterId])).toBe(0);
  expect(await count('portico.fenced_writes WHERE cluster_id = $1', [clusterId])).toBe(0);
  // the pool is still usable
  await expect(fencedQuery(pool, context, 'SELECT 1 AS one')).resolves.toMatchObject({ rows: [{ one: 1 }] });
});

it('linearizes fenced writes with a takeover: a write commits before the new term or is refused, never after', async () => {
  const leases = new LeaseRepository(pool, { requestTimeoutMs: 1000 });
  const otherLeases = new LeaseRepository(otherPool, { requestTimeoutMs: 1000 });
  for (let round = 0; round < 15; round++) {
    const clusterId = await newCluster();
    const [a, b] = [randomUUID(), randomUUID()];
    const old = await grant(leases, clusterId, a, a, 150 + round * 10);
    const context: FenceContext = { clusterId, term: old.term, nodeId: a, workerId: a, action: 'ingest' };

    // A writes continuously with its term, holding each transaction open a little while.
    let committed = 0;
    let refusal: unknown;
    const writer = (async () => {
      for (;;) {
        try {
          await withFence(pool, context, async (client) => {
            await writeNote(clusterId, old.term, 'a')(client);
            await new Promise((resolve) => setTimeout(resolve, Math.floor(Math.random() * 15)));
          });
          committed += 1;
        } catch (error) {
          refusal = error;
          return;
        }
      }
    })();

    // B polls until it takes over, then, first thing in its term, counts A's writes.
    let takeover: LeaseGrant | undefined;
    while (!takeover) {
      const result = await otherLeases.acquire(clusterId, b, b, 10_000);
      if (result.granted) takeover = result;
    }
    expect(takeover.term).toBe(old.term + 1);
    const seenByNewTerm = await fencedQuery<{ n: number }>(
      otherPool,
      { clusterId, term: takeover.term, nodeId: b, workerId: b, action: 'count' },
      'SELECT count(*)::int AS n FROM public.fenced_test_writes WHERE cluster_id = $1',
      [clusterId],
    );
    await writer;

    expect(refusal).toBeInstanceOf(StaleTermError);
    expect(committed).toBeGreaterThan(0);
    // Nothing A wrote became visible after B's term began.
    const total = await count('public.fenced_test_writes WHERE cluster_id = $1', [clusterId]);
    expect(total).toBe(committed);
    expect(seenByNewTerm.rows[0]!.n).toBe(total);
    // and every audit row of the old term is older than the new term's acquisition
    const late = await count(
      `portico.fenced_writes f JOIN portico.cluster_leases l USING (cluster_id)
        WHERE f.cluster_id = $1 AND f.term = $2 AND f.at >= l.acquired_at`,
      [clusterId, old.term],
    );
    expect(late).toBe(0);
  }
}, 60_000);

it('a renewal of the current term does not wait for a fenced write in flight; a takeover does', async () => {
  const leases = new LeaseRepository(pool, { requestTimeoutMs: 2000 });
  const otherLeases = new LeaseRepository(otherPool, { requestTimeoutMs: 2000 });
  const clusterId = await newCluster();
  const [a, b] = [randomUUID(), randomUUID()];
  const held = await grant(leases, clusterId, a, a, 400);
  const context: FenceContext = { clusterId, term: held.term, nodeId: a, workerId: a, action: 'long-batch' };
  let release!: () => void;
  const inside = new Promise<void>((resolve) => {
    const writing = withFence(
      pool,
      context,
      async (client) => {
        await writeNote(clusterId, held.term, 'long')(client);
        resolve();
        await new Promise<void>((done) => (release = done));
      },
      { statementTimeoutMs: 5000, idleInTransactionTimeoutMs: 5000, queryTimeoutMs: 5000 },
    );
    void writing.catch(() => undefined);
  });
  await inside;

  // The leader's own renewal goes through while its fenced batch is still open...
  const renewStarted = performance.now();
  const renewed = await leases.renew(clusterId, held.term, a, 400);
  const renewMs = performance.now() - renewStarted;
  expect(renewed.status).toBe('ok');
  expect(renewMs).toBeLessThan(300);

  // ...while a takeover after expiry waits for the batch to end (term changes are linearized with it).
  await new Promise((resolve) => setTimeout(resolve, 500));
  let takenAt = 0;
  const takeover = otherLeases.acquire(clusterId, b, b, 10_000).then((result) => {
    takenAt = performance.now();
    return result;
  });
  await new Promise((resolve) => setTimeout(resolve, 300));
  expect(takenAt).toBe(0);
  const releasedAt = performance.now();
  release();
  const result = await takeover;
  expect(result.granted).toBe(true);
  expect(takenAt).toBeGreaterThanOrEqual(releasedAt);
  expect(
    await count('public.fenced_test_writes WHERE cluster_id = $1 AND note = $2', [clusterId, 'long']),
  ).toBe(1);
}, 30_000);

it('a fenced transaction held open by a silent client does not block a takeover for long', async () => {
  const clusterId = await newCluster();
  const leases = new LeaseRepository(pool, { requestTimeoutMs: 1000 });
  const [a, b] = [randomUUID(), randomUUID()];
  const old = await grant(leases, clusterId, a, a, 100);
  const context: FenceContext = { clusterId, term: old.term, nodeId: a, workerId: a, action: 'ingest' };
  // A enters its fenced transaction, then goes silent (a paused process) for 3 s.
  const silent = withFence(
    pool,
    context,
    async (client) => {
      await writeNote(clusterId, old.term, 'silent')(client);
      await new Promise((resolve) => setTimeout(resolve, 3000));
      await client.query('SELECT 1');
    },
    { idleInTransactionTimeoutMs: 300 },
  ).catch((error: unknown) => error);

  const started = Date.now();
  let takeover: LeaseGrant | undefined;
  while (!takeover) {
    const result = await new LeaseRepository(otherPool, { requestTimeoutMs: 1000 })
      .acquire(clusterId, b, b, 10_000)
      .catch(() => undefined);
    if (result?.granted) takeover = result;
  }
  expect(Date.now() - started).toBeLessThan(2000);
  expect(takeover.term).toBe(old.term + 1);
  expect(await silent).toBeInstanceOf(Error);
  expect(await count('public.fenced_test_writes WHERE cluster_id = $1', [clusterId])).toBe(0);
}, 30_000);
