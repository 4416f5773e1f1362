// Events against real PostgreSQL through pgBouncer: the leader's claim + enqueue (real pg-boss
// jobs) in one term-fenced transaction, across leader changes.
import { randomUUID } from 'node:crypto';

import { type FenceContext, LeaseRepository, StaleTermError, withFence } from '@portico/cluster';
import { createBoss, createPool, type PgBoss } from '@portico/db';
import { defineJob, queueName } from '@portico/jobs-contracts';
import { ensureQueues, JobProducer } from '@portico/jobs-runtime';
import { rejectionOf, useTestDatabase } from '@portico/testing';
import { type Pool, type PoolClient } from 'pg';
import { z } from 'zod';

import { EventClaimLostError } from './errors';
import { EventsRepository } from './events.repository';
import type { CatalogEvent } from './model/events';

// Test-only job: what an event becomes in the product (e.g. an archive upload).
const eventJob = defineJob({
  name: 'test.event-work',
  role: 'TRANSFER',
  payload: z.object({ eventId: z.uuid(), n: z.number().int() }),
  retry: { limit: 0, delaySeconds: 0, backoff: false },
  deadLetter: false,
});

const db = useTestDatabase();
let pool: Pool;
let otherPool: Pool;
let boss: PgBoss;
let producer: JobProducer;
const events = new EventsRepository();

beforeAll(async () => {
  pool = createPool(db.url, { max: 6 });
  otherPool = createPool(db.url, { max: 6 });
  boss = createBoss(db.url, { supervise: false, schedule: false, max: 4, application_name: 'events-spec' });
  boss.on('error', () => undefined);
  await boss.start();
  producer = new JobProducer(boss);
});

afterAll(async () => {
  await boss.stop({ graceful: false, timeout: 5_000 });
  await pool.end();
  await otherPool.end();
});

interface Leader {
  readonly pool: Pool;
  readonly fence: FenceContext;
}

async function newCluster(): Promise<string> {
  const clusterId = randomUUID();
  await pool.query('INSERT INTO portico.clusters (id, name) VALUES ($1, $2)', [clusterId, `ev-${clusterId}`]);
  await ensureQueues(boss, clusterId, [eventJob]);
  return clusterId;
}

/** A leader of the cluster: its lease (a new term) on its own pool. */
async function elect(target: Pool, clusterId: string, leaseMs = 30_000): Promise<Leader> {
  const leases = new LeaseRepository(target, { requestTimeoutMs: 2000 });
  const node = randomUUID();
  const worker = randomUUID();
  const grant = await leases.acquire(clusterId, node, worker, leaseMs);
  if (!grant.granted) throw new Error('expected the lease to be granted');
  return {
    pool: target,
    fence: { clusterId, term: grant.term, nodeId: node, workerId: worker, action: 'consume-event' },
  };
}

async function release(leader: Leader): Promise<void> {
  await new LeaseRepository(leader.pool, { requestTimeoutMs: 2000 }).release(
    leader.fence.clusterId,
    leader.fence.term,
    leader.fence.workerId,
  );
}

/** The leader's poll: claim, enqueue each event's jobs, record the dispatch — one fenced transaction. */
async function consume(leader: Leader, limit = 10, jobsPerEvent = 2): Promise<CatalogEvent[]> {
  return withFence(leader.pool, leader.fence, async (client) => {
    const claimed = await events.claimNext(client, {
      clusterId: leader.fence.clusterId,
      term: leader.fence.term,
      nodeId: leader.fence.nodeId,
      limit,
    });
    for (const event of claimed) {
      const jobIds = await enqueue(client, event, jobsPerEvent);
      await events.markDispatched(client, event.id, leader.fence.term, jobIds);
    }
    return claimed;
  });
}

async function enqueue(client: PoolClient, event: CatalogEvent, n: number): Promise<string[]> {
  const ids: string[] = [];
  for (let k = 0; k < n; k += 1) {
    const id = await producer.send(eventJob, event.clusterId, { eventId: event.id, n: k }, { db: client });
    if (id) ids.push(id);
  }
  return ids;
}

async function jobsByEvent(clusterId: string): Promise<Map<string, number>> {
  const { rows } = await pool.query<{ event_id: string; n: number }>(
    `SELECT data ->> 'eventId' AS event_id, count(*)::int AS n FROM pgboss.job WHERE name = $1 GROUP BY 1`,
    [queueName(clusterId, eventJob.name)],
  );
  return new Map(rows.map((row) => [row.event_id, row.n]));
}

/** n archive events, created one after the other (so oldest first is creation order). */
async function create(clusterId: string, n: number): Promise<CatalogEvent[]> {
  const created: CatalogEvent[] = [];
  for (let k = 0; k < n; k += 1)
    created.push(await events.create(pool, { clusterId, kind: 'archive', assetIds: [randomUUID()] }));
  return created;
}

it('claims queued events oldest first, enqueues their jobs and records the dispatch in one fenced transaction', async () => {
  const clusterId = await newCluster();
  const created: CatalogEvent[] = [];
  for (let n = 0; n < 3; n += 1)
    created.push(await events.create(pool, { clusterId, kind: 'transcode', assetIds: [randomUUID()] }));
  const leader = await elect(pool, clusterId);

  const claimed = await consume(leader, 2);
  expect(claimed.map((e) => e.id)).toEqual(created.slice(0, 2).map((e) => e.id));
  const first = await events.get(pool, created[0]!.id, clusterId);
  expect(first).toMatchObject({
    state: 'running',
    claimedTerm: leader.fence.term,
    claimedBy: leader.fence.nodeId,
    failedJobs: 0,
  });
  expect(first?.dispatchedAt).toBeInstanceOf(Date);
  expect(first?.pendingJobs).toHaveLength(2);

  // The next poll takes the third one only; a poll with nothing left claims nothing.
  expect((await consume(leader)).map((e) => e.id)).toEqual([created[2]!.id]);
  expect(await consume(leader)).toEqual([]);
  const jobs = await jobsByEvent(clusterId);
  expect([...jobs.values()]).toEqual([2, 2, 2]);
  expect(new Set(jobs.keys())).toEqual(new Set(created.map((e) => e.id)));
});

it("refuses a stale term's claim: nothing is claimed or enqueued, and the new term takes the events", async () => {
  const clusterId = await newCluster();
  const [event] = await create(clusterId, 1);
  const old = await elect(pool, clusterId);
  await release(old);
  const current = await elect(otherPool, clusterId);
  expect(current.fence.term).toBe(old.fence.term + 1);

  const refused = await rejectionOf(consume(old), StaleTermError);
  expect(refused.currentTerm).toBe(current.fence.term);
  expect((await events.get(pool, event!.id))?.state).toBe('queued');
  expect(await jobsByEvent(clusterId)).toEqual(new Map());

  expect((await consume(current)).map((e) => e.id)).toEqual([event!.id]);
  expect((await events.get(pool, event!.id))?.claimedTerm).toBe(current.fence.term);
  expect(await jobsByEvent(clusterId)).toEqual(new Map([[event!.id, 2]]));
});

it('turns each event into jobs exactly once while leadership changes hands mid-stream', async () => {
  const clusterId = await newCluster();
  const all = await create(clusterId, 30);
  let leader = await elect(pool, clusterId);
  const claimedBy = new Map<string, number>();
  let handovers = 0;
  for (let round = 0; round < 60 && claimedBy.size < all.length; round += 1) {
    // The old leader keeps polling after every handover; each of its attempts must be refused.
    const previous = leader;
    if (round % 4 === 3) {
      await release(leader);
      leader = await elect(round % 8 === 3 ? otherPool : pool, clusterId);
      handovers += 1;
      await expect(consume(previous, 1)).rejects.toBeInstanceOf(StaleTermError);
    }
    for (const event of await consume(leader, 1, 1)) {
      expect(claimedBy.has(event.id)).toBe(false);
      claimedBy.set(event.id, leader.fence.term);
    }
  }
  expect(handovers).toBeGreaterThan(3);
  expect(claimedBy.size).toBe(all.length);
  const jobs = await jobsByEvent(clusterId);
  expect(jobs.size).toBe(all.length);
  expect([...jobs.values()].every((n) => n === 1)).toBe(true);
  const terms = new Set(claimedBy.values());
  expect(terms.size).toBeGreaterThan(3);
  for (const event of all)
    expect((await events.get(pool, event.id))?.claimedTerm).toBe(claimedBy.get(event.id));
});

it('never dispatches an event twice when a takeover races the old leader still polling', async () => {
  const split = { byA: 0, byB: 0 };
  for (let round = 0; round < 5; round += 1) {
    const clusterId = await newCluster();
    const all = await create(clusterId, 20);
    // A's lease runs out while it is still claiming; it never renews.
    const a = await elect(pool, clusterId, 100 + round * 40);
    let refusal: unknown;
    const byA: string[] = [];
    const pollingA = (async () => {
      for (;;) {
        try {
          byA.push(...(await consumeSlowly(a)).map((e) => e.id));
        } catch (error) {
          refusal = error;
          return;
        }
      }
    })();
    const leases = new LeaseRepository(otherPool, { requestTimeoutMs: 2000 });
    const [node, worker] = [randomUUID(), randomUUID()];
    let grant = await leases.acquire(clusterId, node, worker, 30_000);
    while (!grant.granted) grant = await leases.acquire(clusterId, node, worker, 30_000);
    const b: Leader = {
      pool: otherPool,
      fence: { clusterId, term: grant.term, nodeId: node, workerId: worker, action: 'consume-event' },
    };
    await pollingA;
    const byB: string[] = [];
    for (let batch = await consume(b, 5, 1); batch.length > 0; batch = await consume(b, 5, 1))
      byB.push(...batch.map((e) => e.id));

    expect(refusal).toBeInstanceOf(StaleTermError);
    expect(new Set([...byA, ...byB]).size).toBe(byA.length + byB.length);
    expect(byA.length + byB.length).toBe(all.length);
    const jobs = await jobsByEvent(clusterId);
    expect(jobs.size).toBe(all.length);
    expect([...jobs.values()].every((n) => n === 1)).toBe(true);
    split.byA += byA.length;
    split.byB += byB.length;
  }
  // The takeover really happened mid-stream: both leaders dispatched events.
  expect(split.byA).toBeGreaterThan(0);
  expect(split.byB).toBeGreaterThan(0);
}, 60_000);

/** consume() of one event that holds its fenced transaction open a little while, widening the race. */
function consumeSlowly(leader: Leader): Promise<CatalogEvent[]> {
  return withFence(leader.pool, leader.fence, async (client) => {
    const claimed = await events.claimNext(client, { ...leader.fence, limit: 1 });
    for (const event of claimed)
      await events.markDispatched(client, event.id, leader.fence.term, await enqueue(client, event, 1));
    await new Promise((resolve) => setTimeout(resolve, 5 + Math.floor(Math.random() * 10)));
    return claimed;
  });
}

it('leaves the event queued when its enqueue fails, so the same or a later term claims it again', async () => {
  const clusterId = await newCluster();
  const [event] = await create(clusterId, 1);
  const leader = await elect(pool, clusterId);
  await expect(
    withFence(leader.pool, leader.fence, async (client) => {
      const [claimed] = await events.claimNext(client, { ...leader.fence, limit: 1 });
      await enqueue(client, claimed!, 1);
      throw new Error('the second job could not be sent');
    }),
  ).rejects.toThrow('could not be sent');
  expect(await events.get(pool, event!.id)).toMatchObject({ state: 'queued', claimedTerm: null });
  expect(await jobsByEvent(clusterId)).toEqual(new Map());
  expect((await consume(leader)).map((e) => e.id)).toEqual([event!.id]);
});

it('lets a newer term take over a claim that an older term committed without dispatching', async () => {
  const clusterId = await newCluster();
  const [event] = await create(clusterId, 1);
  const old = await elect(pool, clusterId);
  // A caller that splits claim and dispatch, and dies in between.
  const [claimed] = await withFence(old.pool, old.fence, (client) =>
    events.claimNext(client, { clusterId, term: old.fence.term, nodeId: old.fence.nodeId, limit: 5 }),
  );
  expect(claimed?.id).toBe(event!.id);
  // Its own term does not claim it again.
  expect(
    await withFence(old.pool, old.fence, (client) =>
      events.claimNext(client, { clusterId, term: old.fence.term, nodeId: old.fence.nodeId, limit: 5 }),
    ),
  ).toEqual([]);

  await release(old);
  const current = await elect(otherPool, clusterId);
  expect((await consume(current)).map((e) => e.id)).toEqual([event!.id]);

  // The old term's late dispatch is refused by the fence, and by the claim itself without it.
  await expect(
    withFence(old.pool, old.fence, (client) => events.markDispatched(client, event!.id, old.fence.term, [])),
  ).rejects.toBeInstanceOf(StaleTermError);
  const lost = await rejectionOf(
    events.markDispatched(pool, event!.id, old.fence.term, []),
    EventClaimLostError,
  );
  expect(lost.message).toContain(event!.id);
  expect(await jobsByEvent(clusterId)).toEqual(new Map([[event!.id, 2]]));
  // A dispatched claim is never taken over by a later term.
  await release(current);
  const next = await elect(pool, clusterId);
  expect(await consume(next)).toEqual([]);
});

it('settles jobs idempotently: done when the last succeeds, failed with the first failure', async () => {
  const clusterId = await newCluster();
  const [ok, bad, empty] = await create(clusterId, 3);
  const leader = await elect(pool, clusterId);
  await consume(leader, 2);
  const okJobs = (await events.get(pool, ok!.id))!.pendingJobs!;
  expect(await events.settleJob(pool, ok!.id, okJobs[0]!)).toMatchObject({ state: 'running' });
  expect(await events.settleJob(pool, ok!.id, okJobs[0]!)).toBeUndefined();
  expect(await events.settleJob(pool, ok!.id, okJobs[1]!)).toMatchObject({
    state: 'done',
    pendingJobs: [],
    reason: null,
  });

  const badJobs = (await events.get(pool, bad!.id))!.pendingJobs!;
  await events.settleJob(pool, bad!.id, badJobs[0]!, 'upload refused: bucket missing');
  const failed = await events.settleJob(pool, bad!.id, badJobs[1]!);
  expect(failed).toMatchObject({ state: 'failed', failedJobs: 1 });
  expect(failed?.reason).toBe(`job ${badJobs[0]}: upload refused: bucket missing`);
  expect(await events.settleJob(pool, bad!.id, randomUUID())).toBeUndefined();

  // An event with nothing to do is done at dispatch; finish() ends a running claim directly.
  const done = await withFence(leader.pool, leader.fence, async (client) => {
    const [claimed] = await events.claimNext(client, { ...leader.fence, limit: 1 });
    return events.markDispatched(client, claimed!.id, leader.fence.term, [], 'targets already archived');
  });
  expect(done).toMatchObject({ id: empty!.id, state: 'done', reason: 'targets already archived' });

  const [refused] = await create(clusterId, 1);
  await withFence(leader.pool, leader.fence, (client) =>
    events.claimNext(client, { ...leader.fence, limit: 1 }),
  );
  expect(
    await events.finish(pool, refused!.id, { state: 'failed', reason: 'no archive store', term: 999 }),
  ).toBeUndefined();
  expect(
    await events.finish(pool, refused!.id, {
      state: 'failed',
      reason: 'no archive store',
      term: leader.fence.term,
    }),
  ).toMatchObject({ state: 'failed', reason: 'no archive store' });
  expect(await events.finish(pool, refused!.id, { state: 'done' })).toBeUndefined();
});

it('lists a cluster’s events newest first with state filter and a stable cursor', async () => {
  const clusterId = await newCluster();
  const created: CatalogEvent[] = [];
  for (const kind of ['rescan', 'delete', 'export'] as const)
    created.push(
      await events.create(pool, { clusterId, kind, parameters: { path: 'a' }, createdBy: 'admin' }),
    );
  const leader = await elect(pool, clusterId);
  await consume(leader, 1, 1);
  const seen: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await events.list(pool, { clusterId, limit: 2, cursor });
    seen.push(...page.items.map((e) => e.id));
    cursor = page.nextCursor ?? undefined;
    await events.create(pool, { clusterId, kind: 'rescan' });
  } while (cursor);
  expect(seen).toEqual(created.map((e) => e.id).reverse());
  expect(created[0]).toMatchObject({
    kind: 'rescan',
    parameters: { path: 'a' },
    createdBy: 'admin',
    state: 'queued',
  });
  const running = await events.list(pool, { clusterId, state: 'running', limit: 10 });
  expect(running.items.map((e) => e.state)).toEqual(['running']);
  expect((await events.list(pool, { clusterId, kind: 'delete', limit: 10 })).items).toHaveLength(1);
  expect(await events.get(pool, created[0]!.id, randomUUID())).toBeUndefined();
});
