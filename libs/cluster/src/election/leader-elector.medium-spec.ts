// Leader election against real PostgreSQL through real pgBouncer in transaction mode.
import { randomUUID } from 'node:crypto';

import { createPool } from '@portico/db';
import { faults, useTestDatabase, waitFor } from '@portico/testing';
import { type Pool } from 'pg';

import { MonotonicClock, systemMonotonicClock } from '../clock/monotonic-clock';
import { StaleTermError } from '../fencing/fence';
import { withFence } from '../fencing/fence.repository';
import { type DemotionReason } from './election-state';
import { DEFAULT_ELECTION_TIMING as T } from './election-timing';
import { type ElectionLogger, LeaderElector } from './leader-elector';
import { createElectionPool, createLeaderElector } from './leader-elector.provider';
import { type AcquireResult, type LeaseRecord, LeaseStore, type RenewResult } from './lease-store';
import { LeaseRepository } from './lease.repository';
import { NodeOfflineRepository } from './node-offline.repository';

const db = useTestDatabase();
let pool: Pool;

const quiet: ElectionLogger = { info: () => {}, warn: () => {}, error: () => {}, debug: () => {} };
const now = (): number => systemMonotonicClock.now();
/**
 * Takeover time depends on where the followers are in their polling cycle; starting each
 * takeover at a random phase measures the spread a real failure sees.
 */
const randomPhase = (): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, Math.random() * T.followerPollMs));
const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
};

beforeAll(async () => {
  pool = createPool(db.url, { max: 4 });
  // An independent record of every lease row version, to check the election from the database's side.
  await pool.query(`
    CREATE TABLE public.lease_history (
      seq bigserial PRIMARY KEY, cluster_id uuid, term bigint, leader_node_id uuid,
      acquired_at timestamptz, expires_at timestamptz);
    CREATE FUNCTION public.record_lease() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      INSERT INTO public.lease_history (cluster_id, term, leader_node_id, acquired_at, expires_at)
      VALUES (NEW.cluster_id, NEW.term, NEW.leader_node_id, NEW.acquired_at, NEW.expires_at);
      RETURN NEW;
    END $$;
    CREATE TRIGGER lease_history AFTER INSERT OR UPDATE ON portico.cluster_leases
      FOR EACH ROW EXECUTE FUNCTION public.record_lease();`);
});

afterAll(async () => {
  await pool.end();
});

async function newCluster(): Promise<string> {
  const id = randomUUID();
  await pool.query('INSERT INTO portico.clusters (id, name) VALUES ($1, $2)', [id, `election-${id}`]);
  return id;
}

async function newNode(clusterId: string, name: string): Promise<string> {
  const id = randomUUID();
  await pool.query(
    `INSERT INTO portico.nodes (id, cluster_id, name, roles, status) VALUES ($1, $2, $3, '{MAIN}', 'Active')`,
    [id, clusterId, `${name}-${id.slice(0, 8)}`],
  );
  return id;
}

async function nodeStatus(nodeId: string): Promise<string> {
  return (await pool.query<{ status: string }>('SELECT status FROM portico.nodes WHERE id = $1', [nodeId]))
    .rows[0]!.status;
}

/**
 * Terms in the order the database granted them, with each term's final lease interval; fails if
 * terms do not strictly increase by one or if two leases overlap on the database clock.
 */
async function checkLeaseHistory(clusterId: string): Promise<{ terms: number; gapsMs: number[] }> {
  const { rows } = await pool.query<{ term: string; acquired_at: Date; expires_at: Date }>(
    'SELECT term, acquired_at, expires_at FROM public.lease_history WHERE cluster_id = $1 ORDER BY seq',
    [clusterId],
  );
  const leases: { term: number; start: number; end: number }[] = [];
  for (const row of rows) {
    const term = Number(row.term);
    const last = leases.at(-1);
    if (last && last.term === term) {
      last.end = row.expires_at.getTime(); // a renewal or the release
      continue;
    }
    if (last) expect(term).toBe(last.term + 1);
    leases.push({ term, start: row.acquired_at.getTime(), end: row.expires_at.getTime() });
  }
  const gapsMs: number[] = [];
  for (let i = 1; i < leases.length; i++) {
    const gap = leases[i]!.start - leases[i - 1]!.end;
    expect(gap).toBeGreaterThanOrEqual(0);
    gapsMs.push(gap);
  }
  return { terms: leases.length, gapsMs };
}

/** A lease store whose connection to the database can be cut: calls then hang until restored. */
class GatedLeaseStore extends LeaseStore {
  private held: (() => void)[] = [];
  private open = true;
  constructor(private readonly inner: LeaseStore) {
    super();
  }
  cut(): void {
    this.open = false;
  }
  /** Calls waiting behind the cut. */
  get heldCalls(): number {
    return this.held.length;
  }
  /** Acquisition attempts answered so far. */
  acquisitions = 0;
  /** 'pass': held calls now reach the database (a resumed process); 'fail': they fail. */
  restore(how: 'pass' | 'fail'): void {
    this.open = true;
    const held = this.held;
    this.held = [];
    for (const release of held) release();
    this.failHeld = how === 'fail';
  }
  private failHeld = false;
  private async gate<R>(call: () => Promise<R>): Promise<R> {
    if (!this.open) {
      await new Promise<void>((resolve) => this.held.push(resolve));
      if (this.failHeld) throw new Error('connection cut');
    }
    return call();
  }
  override async acquire(c: string, n: string, w: string, l: number): Promise<AcquireResult> {
    const result = await this.gate(() => this.inner.acquire(c, n, w, l));
    this.acquisitions += 1;
    return result;
  }
  override renew(c: string, t: number, w: string, l: number): Promise<RenewResult> {
    return this.gate(() => this.inner.renew(c, t, w, l));
  }
  override release(c: string, t: number, w: string): Promise<boolean> {
    return this.gate(() => this.inner.release(c, t, w));
  }
  override read(c: string): Promise<LeaseRecord | null> {
    return this.inner.read(c);
  }
}

/** A monotonic clock that can stand still, as it seems to for a process that is stopped. */
class PausableClock extends MonotonicClock {
  private frozenAt: number | null = null;
  private lost = 0;
  override now(): number {
    return this.frozenAt ?? systemMonotonicClock.now() - this.lost;
  }
  freeze(): void {
    this.frozenAt = this.now();
  }
  thaw(): void {
    if (this.frozenAt === null) return;
    this.lost = systemMonotonicClock.now() - this.frozenAt;
    this.frozenAt = null;
  }
}

interface Contender {
  readonly nodeId: string;
  readonly workerId: string;
  readonly elector: LeaderElector;
  readonly store: GatedLeaseStore;
  readonly pool: Pool;
  readonly elected: { term: number; at: number; previous: string | null }[];
  readonly demoted: { reason: DemotionReason; term: number; at: number }[];
  close(): Promise<void>;
}

async function contender(clusterId: string, name: string, clock?: MonotonicClock): Promise<Contender> {
  const nodeId = await newNode(clusterId, name);
  const workerId = randomUUID();
  const electionPool = createElectionPool(db.url, T);
  const store = new GatedLeaseStore(
    new LeaseRepository(electionPool, { requestTimeoutMs: T.requestTimeoutMs }),
  );
  const elector = new LeaderElector({
    clusterId,
    nodeId,
    workerId,
    leases: store,
    offlineMarker: new NodeOfflineRepository(electionPool),
    logger: quiet,
    eligible: true,
    ...(clock ? { clock } : {}),
  });
  const c: Contender = {
    nodeId,
    workerId,
    elector,
    store,
    pool: electionPool,
    elected: [],
    demoted: [],
    async close() {
      store.restore('fail');
      await elector.stop();
      await electionPool.end();
    },
  };
  elector.onElected((term, previous) => void c.elected.push({ term, at: now(), previous }));
  elector.onDemoted((reason, term) => void c.demoted.push({ reason, term, at: now() }));
  elector.start();
  return c;
}

/** Samples every contender's own view; more than one leader at any instant is a failure. */
function watchSingleLeader(contenders: () => readonly Contender[]): { stop(): number } {
  let worst = 0;
  const timer = setInterval(() => {
    const leaders = contenders().filter((c) => c.elector.current().isLeader).length;
    worst = Math.max(worst, leaders);
  }, 5);
  return {
    stop() {
      clearInterval(timer);
      return worst;
    },
  };
}

async function electedAfter(
  contenders: () => readonly Contender[],
  term: number,
): Promise<{ c: Contender; term: number; at: number }> {
  return waitFor(
    () => {
      for (const c of contenders()) {
        const e = c.elected.find((x) => x.term > term);
        if (e) return { c, term: e.term, at: e.at };
      }
      return undefined;
    },
    { description: `a leader elected with a term above ${term}`, timeoutMs: 10_000, intervalMs: 2 },
  );
}

it('3 contenders, 100 rounds of release or expiry: one leader at a time, terms strictly increasing, no overlapping leases', async () => {
  const clusterId = await newCluster();
  let contenders: Contender[] = [];
  for (const name of ['a', 'b', 'c']) contenders.push(await contender(clusterId, name));
  const watch = watchSingleLeader(() => contenders);
  const releaseTakeoverMs: number[] = [];
  const expiryTakeoverMs: number[] = [];
  const expiredNodes: { nodeId: string; term: number }[] = [];
  try {
    let { c: leader, term } = await electedAfter(() => contenders, 0);
    for (let round = 0; round < 100; round++) {
      const expire = round % 3 === 2;
      // every follower has polled at least once (a fresh one polls at start), then a random phase
      await waitFor(() => contenders.every((c) => c === leader || c.store.acquisitions > 0), {
        description: 'every follower polled',
        intervalMs: 2,
      });
      await randomPhase();
      const started = now();
      if (expire) {
        leader.store.cut(); // the leader hangs: no renewal reaches the database any more
      } else {
        await leader.elector.stop(); // SIGTERM: release at once
      }
      const next = await electedAfter(() => contenders.filter((c) => c !== leader), term);
      expect(next.term).toBeGreaterThan(term);
      (expire ? expiryTakeoverMs : releaseTakeoverMs).push(next.at - started);
      if (expire) {
        expiredNodes.push({ nodeId: leader.nodeId, term: next.term });
        expect(leader.demoted.map((d) => d.reason)).toEqual(['renew-deadline-missed']);
      }
      const old = leader;
      contenders = contenders.filter((c) => c !== old);
      await old.close();
      contenders.push(await contender(clusterId, `r${round}`));
      leader = next.c;
      term = next.term;
    }
  } finally {
    const worst = watch.stop();
    await Promise.all(contenders.map((c) => c.close()));
    expect(worst).toBe(1);
  }
  const history = await checkLeaseHistory(clusterId);
  // 100 takeovers after the first election (closing the last contenders may add one more)
  expect(history.terms).toBeGreaterThanOrEqual(101);
  // Every node whose lease ran out was marked Offline by its successor, with a fenced write.
  for (const { nodeId, term } of expiredNodes) {
    expect(await nodeStatus(nodeId)).toBe('Offline');
    const audit = await pool.query(
      `SELECT 1 FROM portico.fenced_writes WHERE cluster_id = $1 AND action = 'mark-offline' AND subject = $2 AND term = $3`,
      [clusterId, nodeId, term],
    );
    expect(audit.rowCount).toBe(1);
  }
  const marks = await pool.query(
    `SELECT 1 FROM portico.fenced_writes WHERE cluster_id = $1 AND action = 'mark-offline'`,
    [clusterId],
  );
  expect(marks.rowCount).toBe(expiredNodes.length);
  console.log(
    JSON.stringify({
      rounds: 100,
      releaseTakeoverMedianMs: Math.round(median(releaseTakeoverMs)),
      releaseTakeoverMaxMs: Math.round(Math.max(...releaseTakeoverMs)),
      expiryTakeoverMedianMs: Math.round(median(expiryTakeoverMs)),
      expiryTakeoverMaxMs: Math.round(Math.max(...expiryTakeoverMs)),
      dbGapMedianMs: median(history.gapsMs),
    }),
  );
}, 300_000);

it('a paused leader: its successor marks it Offline, its stale write is refused, and it steps down on resume', async () => {
  const clusterId = await newCluster();
  const clock = new PausableClock();
  const a = await contender(clusterId, 'paused', clock);
  const { term } = await electedAfter(() => [a], 0);
  const b = await contender(clusterId, 'successor');
  try {
    // A stops (SIGSTOP) with a renewal in flight: the renewal waits, A's clock stands still.
    a.store.cut();
    await waitFor(() => a.store.heldCalls > 0, { description: 'a renewal of A held', intervalMs: 2 });
    clock.freeze();
    const next = await electedAfter(() => [b], term);
    expect(next.term).toBe(term + 1);
    expect(b.elected[0]!.previous).toBe(a.nodeId);
    await waitFor(async () => (await nodeStatus(a.nodeId)) === 'Offline', { description: 'node A Offline' });
    const audit = await pool.query(
      `SELECT term FROM portico.fenced_writes WHERE cluster_id = $1 AND action = 'mark-offline' AND subject = $2`,
      [clusterId, a.nodeId],
    );
    expect(audit.rows).toEqual([{ term: String(term + 1) }]);

    // A still believes it leads (its clock stood still) and tries a leader-only write.
    const context = a.elector.fenceContext('ingest', 'clip.mov');
    expect(context).toMatchObject({ term });
    await pool.query('CREATE TABLE IF NOT EXISTS public.paused_writes (note text)');
    const error = await withFence(a.pool, context!, (client) =>
      client.query(`INSERT INTO public.paused_writes VALUES ('from the paused leader')`),
    ).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(StaleTermError);
    expect((error as StaleTermError).currentTerm).toBe(term + 1);
    expect((await pool.query('SELECT * FROM public.paused_writes')).rowCount).toBe(0);

    // A resumes: its held renewal reaches the database and is told the lease is lost.
    a.store.restore('pass');
    await waitFor(() => a.demoted.length > 0, { description: 'A demoted' });
    clock.thaw();
    expect(a.demoted).toEqual([expect.objectContaining({ reason: 'lease-lost', term })]);
    expect(a.elector.current()).toEqual({ isLeader: false, term: null });
    expect(b.elector.current()).toEqual({ isLeader: true, term: term + 1 });
  } finally {
    await a.close();
    await b.close();
  }
  await checkLeaseHistory(clusterId);
}, 30_000);

it('stop() releases the lease and a follower takes over within about followerPollMs', async () => {
  const clusterId = await newCluster();
  const nodes = [await newNode(clusterId, 'a'), await newNode(clusterId, 'b')];
  const runtimes = nodes.map((nodeId) =>
    createLeaderElector({
      databaseUrl: db.url,
      clusterId,
      nodeId,
      workerId: randomUUID(),
      logger: quiet,
      eligible: true,
    }),
  );
  const elected: { node: number; term: number; at: number }[] = [];
  runtimes.forEach((r, node) => r.elector.onElected((term) => void elected.push({ node, term, at: now() })));
  runtimes[0]!.elector.start();
  await waitFor(() => elected.length === 1, { description: 'node a elected' });
  runtimes[1]!.elector.start();
  try {
    await waitFor(
      async () => (await new LeaseRepository(pool, { requestTimeoutMs: 1000 }).read(clusterId))?.held,
      {
        description: 'a lease held',
      },
    );
    await randomPhase();
    await randomPhase(); // B has polled at least once by now (its first poll is at start)
    const stopping = now();
    await runtimes[0]!.close();
    const next = await waitFor(() => elected.find((e) => e.node === 1), {
      description: 'node b elected',
      intervalMs: 2,
    });
    const takeoverMs = next.at - stopping;
    console.log(JSON.stringify({ stopTakeoverMs: Math.round(takeoverMs) }));
    expect(next.term).toBe(elected[0]!.term + 1);
    expect(takeoverMs).toBeLessThan(T.followerPollMs + 300);
    expect(runtimes[0]!.elector.role).toBe('stopped');
    // The released lease was not taken as a crash: node a is not marked Offline.
    expect(await nodeStatus(nodes[0]!)).toBe('Active');
  } finally {
    await runtimes[1]!.close();
  }
}, 30_000);

it('a listener added after the election won (a module initialised late) still starts for the current term', async () => {
  const clusterId = await newCluster();
  const runtime = createLeaderElector({
    databaseUrl: db.url,
    clusterId,
    nodeId: await newNode(clusterId, 'late'),
    workerId: randomUUID(),
    logger: quiet,
    eligible: true,
  });
  const early: number[] = [];
  runtime.elector.onElected((term) => void early.push(term));
  runtime.elector.start();
  try {
    await waitFor(() => early.length === 1, { description: 'elected' });
    const late: Array<[number, string | null]> = [];
    const off = runtime.elector.onElected((term, previous) => void late.push([term, previous]));
    await waitFor(() => late.length === 1, { description: 'the late listener called' });
    expect(late).toEqual([[early[0]!, null]]);
    // Removed before its turn: not called.
    const never: number[] = [];
    runtime.elector.onElected((term) => void never.push(term))();
    off();
    await new Promise((resolve) => setImmediate(resolve));
    expect(never).toEqual([]);
    expect(late).toHaveLength(1);
  } finally {
    await runtime.close();
  }
}, 30_000);

it('pgBouncer PAUSE longer than the lease: the leader steps down by its renew deadline, leadership recovers with a higher term', async () => {
  const clusterId = await newCluster();
  const direct = createPool(db.directUrl, { max: 2 });
  const leases = new LeaseRepository(direct, { requestTimeoutMs: 1000 });
  const a = await contender(clusterId, 'a');
  const { term } = await electedAfter(() => [a], 0);
  const b = await contender(clusterId, 'b');
  const watch = watchSingleLeader(() => [a, b]);
  let paused = false;
  try {
    let leaseAtDemotion: Promise<LeaseRecord | null> | undefined;
    a.elector.onDemoted(() => {
      leaseAtDemotion = leases.read(clusterId);
    });
    await faults.pgbouncer.pause(db.name);
    paused = true;
    const pausedAt = now();
    await waitFor(() => a.demoted.length > 0, { description: 'the leader stepped down', intervalMs: 2 });
    const demotion = a.demoted[0]!;
    expect(demotion.reason).toBe('renew-deadline-missed');
    // by its deadline on the monotonic clock: the last renewal was sent before the pause
    expect(demotion.at - pausedAt).toBeLessThanOrEqual(T.leaseMs - T.safetyMarginMs + 50);
    // and before the database would let anyone else take the lease
    const record = await leaseAtDemotion!;
    expect(record).toMatchObject({ term, held: true });
    expect(record!.remainingMs).toBeGreaterThan(0);
    console.log(
      JSON.stringify({
        pauseToStepDownMs: Math.round(demotion.at - pausedAt),
        leaseLeftAtStepDownMs: Math.round(record!.remainingMs),
      }),
    );

    await waitFor(async () => !(await leases.read(clusterId))!.held, {
      description: 'the lease expired in the database',
    });
    expect(a.elector.current().isLeader || b.elector.current().isLeader).toBe(false);
    await faults.pgbouncer.resume(db.name);
    paused = false;

    const next = await electedAfter(() => [a, b], term);
    expect(next.term).toBeGreaterThan(term);
    expect((await leases.read(clusterId))!.term).toBe(next.term);
  } finally {
    if (paused) await faults.pgbouncer.resume(db.name);
    expect(watch.stop()).toBeLessThanOrEqual(1);
    await a.close();
    await b.close();
    await direct.end();
  }
  await checkLeaseHistory(clusterId);
}, 60_000);

it('a node that is not eligible never contends, and an unhealthy leader steps down and cools down', async () => {
  const clusterId = await newCluster();
  const a = await contender(clusterId, 'a');
  const { term } = await electedAfter(() => [a], 0);
  try {
    a.elector.setEligible(false);
    expect(a.demoted).toEqual([expect.objectContaining({ reason: 'unhealthy', term })]);
    await waitFor(
      async () => !(await new LeaseRepository(pool, { requestTimeoutMs: 1000 }).read(clusterId))!.held,
      {
        description: 'the lease released',
      },
    );
    a.elector.setEligible(true);
    const back = now();
    const next = await electedAfter(() => [a], term);
    // no contention before the cool-down is over
    expect(next.at - back).toBeGreaterThanOrEqual(T.coolDownMs - 100);
  } finally {
    await a.close();
  }
}, 30_000);
