import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CatalogRepository } from '@portico/catalog';
import type { CatalogEvent, CreateEventBody } from '@portico/control-plane-client';
import { createPool } from '@portico/db';
import { queueName } from '@portico/jobs-contracts';
import {
  createNodeIdentity,
  harness,
  nodeEnv,
  startControlPlane,
  startNode,
  useTestDatabase,
  waitFor,
  type ControlPlaneHandle,
  type NodeHandle,
} from '@portico/testing';
import type { Pool } from 'pg';

// SPEC 2.1 + 2.5: events turn into jobs exactly once, fenced by term, across a leader change. Two
// coordinators (MAIN); 200 events are requested through the control-plane API, the leader is
// SIGKILLed while it is dispatching them, the follower takes over with the next term and dispatches
// the rest. Every event ends dispatched, with exactly its jobs in pg-boss: none lost, none twice.
// No worker runs, so every job stays in pgboss.job to be counted. Then a rescan event makes the new
// leader scan at once (its next scheduled scan is an hour away).
const EVENTS = 200;
/** Half the events are requested before the kill, half after it (while the cluster changes leader). */
const BEFORE_KILL = EVENTS / 2;
/** The leader is killed as soon as this many events are dispatched: it is still dispatching the rest. */
const KILL_AFTER = 40;
/** Jobs per event of each kind here: a video gets three transcode profiles; archive and export one each. */
const KINDS = [
  { kind: 'transcode', queue: 'transcode.asset', jobs: 3 },
  { kind: 'archive', queue: 'transfer.archive', jobs: 1 },
  { kind: 'export', queue: 'transfer.export', jobs: 1 },
] as const;
const MD5 = '9e107d9d372bb6826bd81d3542a419d6';

const db = useTestDatabase();
let scratch: string;
let controlPlane: ControlPlaneHandle;
let pool: Pool;
const nodes: NodeHandle[] = [];

beforeAll(async () => {
  scratch = mkdtempSync(path.join(tmpdir(), 'portico-events-leader-'));
  chmodSync(scratch, 0o755);
  mkdirSync(path.join(scratch, 'storage'));
  controlPlane = await startControlPlane({ databaseUrl: db.url });
  pool = createPool(db.url, { max: 4 });
});

afterAll(async () => {
  await Promise.all(nodes.map((node) => node.process.stop('SIGKILL')));
  await controlPlane?.process.stop('SIGKILL');
  await pool?.end();
  rmSync(scratch, { recursive: true, force: true });
});

/** Adds the coordinators' last output to a failure, so the reason is in the test report. */
async function withOutput<T>(check: () => Promise<T>): Promise<T> {
  try {
    return await check();
  } catch (error) {
    const outputs = nodes.map((node) => `${node.name}:\n${node.process.output()}`).join('\n');
    throw new Error(`${error instanceof Error ? error.message : String(error)}\n${outputs}`);
  }
}

async function leaderOf(clusterId: string): Promise<{ nodeId: string; term: number } | undefined> {
  const status = await controlPlane.admin.clusterStatus(clusterId);
  const leader = status.nodes.find((node) => node.isLeader);
  return leader && status.leader?.current ? { nodeId: leader.id, term: status.leader.term } : undefined;
}

interface EventRow {
  id: string;
  kind: string;
  state: string;
  claimed_term: string | null;
  claimed_by: string | null;
  dispatched_at: Date | null;
  pending_jobs: string[] | null;
}

async function eventRows(clusterId: string): Promise<EventRow[]> {
  const { rows } = await pool.query<EventRow>(
    `SELECT id, kind, state, claimed_term::text AS claimed_term, claimed_by, dispatched_at, pending_jobs
       FROM portico.events WHERE cluster_id = $1 ORDER BY seq`,
    [clusterId],
  );
  return rows;
}

async function dispatchedCount(clusterId: string): Promise<number> {
  const { rows } = await pool.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM portico.events WHERE cluster_id = $1 AND dispatched_at IS NOT NULL',
    [clusterId],
  );
  return rows[0]!.n;
}

it('dispatches every event exactly once while the leader is SIGKILLed and the follower takes over', async () => {
  // Scans only at election and on request: the rescan at the end must come from its event.
  const cluster = await controlPlane.admin.createCluster({
    name: 'events-leader-change',
    settings: { scan_interval_seconds: 3600, growing_files_threshold_seconds: 0 },
  });
  const storage = await controlPlane.admin.createStorage(cluster.id, { name: 'nas' });
  const s3 = harness().s3;
  const store = (name: string, purpose: 'archive' | 'export') =>
    controlPlane.admin.createObjectStore(cluster.id, {
      name,
      purpose,
      endpoint: s3.endpoint,
      bucket: `portico-${name}`,
      pathStyle: true,
      accessKeyId: s3.accessKeyId,
      secretAccessKeyRef: 'env:PORTICO_E2E_S3_SECRET',
    });
  await store('vault', 'archive');
  const delivery = await store('delivery', 'export');

  // One checksummed video original per event, so that every job payload names one event's asset.
  const catalog = new CatalogRepository();
  const ingested = await catalog.ingestMany(
    pool,
    cluster.id,
    storage.id,
    Array.from({ length: EVENTS }, (_, n) => ({
      path: `shows/s${Math.floor(n / 50)}/clip-${n}.mov`,
      size: 1_000 + n,
      mtime: new Date(Date.UTC(2030, 0, 1, 0, 0, n)),
    })),
  );
  for (const file of ingested)
    await catalog.recordChecksums(pool, {
      clusterId: cluster.id,
      fileId: file.fileId,
      checksums: { md5: MD5 },
    });

  for (const n of [1, 2]) {
    const name = `main-${n}`;
    const identity = await createNodeIdentity(controlPlane.admin, cluster.id, name, ['MAIN']);
    const env = nodeEnv({
      controlPlaneUrl: controlPlane.url,
      databaseUrl: db.url,
      identity,
      mountPoint: path.join(scratch, 'storage'),
      extra: { PORTICO_REDIS_URL: harness().redisUrl },
    });
    nodes.push(await startNode('coordinator', name, identity.node.id, env));
  }
  const first = await withOutput(() =>
    waitFor(() => leaderOf(cluster.id), { description: 'a leader', timeoutMs: 30_000, intervalMs: 100 }),
  );
  const leader = nodes.find((node) => node.nodeId === first.nodeId)!;
  const follower = nodes.find((node) => node !== leader)!;

  const requested: Array<{ event: CatalogEvent; queue: string; jobs: number }> = [];
  const request = async (from: number, to: number): Promise<void> => {
    for (let n = from; n < to; n += 1) {
      const { kind, queue, jobs } = KINDS[n % KINDS.length]!;
      const assetIds = [ingested[n]!.assetId];
      const body: CreateEventBody =
        kind === 'export'
          ? { kind, assetIds, parameters: { objectStoreId: delivery.id, prefix: `client-${n % 4}` } }
          : { kind, assetIds };
      requested.push({ event: await controlPlane.admin.createEvent(cluster.id, body), queue, jobs });
    }
  };

  await request(0, BEFORE_KILL);
  await withOutput(() =>
    waitFor(async () => (await dispatchedCount(cluster.id)) >= KILL_AFTER, {
      description: `the leader to dispatch ${KILL_AFTER} events`,
      timeoutMs: 30_000,
      intervalMs: 20,
    }),
  );
  await leader.process.stop('SIGKILL');
  const killedAt = Date.now();
  const dispatchedByKilled = await dispatchedCount(cluster.id);
  await request(BEFORE_KILL, EVENTS);

  const next = await withOutput(() =>
    waitFor(
      async () => {
        const current = await leaderOf(cluster.id);
        return current && current.nodeId === follower.nodeId && current.term > first.term
          ? current
          : undefined;
      },
      { description: 'the follower to lead with a newer term', timeoutMs: 30_000, intervalMs: 100 },
    ),
  );
  await withOutput(() =>
    waitFor(async () => (await dispatchedCount(cluster.id)) === EVENTS, {
      description: `all ${EVENTS} events dispatched`,
      timeoutMs: 60_000,
      intervalMs: 100,
    }),
  );
  const doneAt = Date.now();

  // Every event: claimed once, dispatched, and running on exactly its own jobs.
  const rows = await eventRows(cluster.id);
  expect(rows).toHaveLength(EVENTS);
  const expected = new Map(requested.map((r) => [r.event.id, r]));
  for (const row of rows) {
    expect(row).toMatchObject({ state: 'running' });
    expect(row.dispatched_at).toBeInstanceOf(Date);
    expect(row.pending_jobs).toHaveLength(expected.get(row.id)!.jobs);
  }
  const byTerm = new Map<string, number>();
  for (const row of rows) byTerm.set(row.claimed_term!, (byTerm.get(row.claimed_term!) ?? 0) + 1);
  expect([...byTerm.keys()].map(Number).sort()).toEqual([first.term, next.term]);
  expect(new Set(rows.map((row) => row.claimed_by))).toEqual(new Set([leader.nodeId, follower.nodeId]));

  // pg-boss holds exactly the jobs the events recorded: none missing, none twice, none shared.
  const queues = KINDS.map((k) => queueName(cluster.id, k.queue));
  const { rows: jobs } = await pool.query<{ id: string; name: string; data: Record<string, unknown> }>(
    'SELECT id, name, data FROM pgboss.job WHERE name = ANY ($1::text[])',
    [queues],
  );
  const recordedIds = rows.flatMap((row) => row.pending_jobs!);
  const totalExpected = requested.reduce((sum, r) => sum + r.jobs, 0);
  expect(new Set(recordedIds).size).toBe(totalExpected);
  expect(jobs).toHaveLength(totalExpected);
  expect(new Set(jobs.map((job) => job.id))).toEqual(new Set(recordedIds));
  // Per payload: every job is one event's one job (each event has its own asset).
  const payloads = new Map<string, number>();
  for (const job of jobs) {
    const key = `${job.name} ${JSON.stringify(job.data)}`;
    payloads.set(key, (payloads.get(key) ?? 0) + 1);
  }
  expect([...payloads.values()].filter((n) => n > 1)).toEqual([]);
  // Per event: its transfer jobs name it; its transcode jobs name its asset, three profiles once.
  for (const { event, queue, jobs: count } of requested) {
    const own = jobs.filter(
      (job) =>
        job.name === queueName(cluster.id, queue) &&
        (queue === 'transcode.asset'
          ? job.data['assetId'] === event.assetIds[0]
          : job.data['requestId'] === event.id),
    );
    expect(own).toHaveLength(count);
  }

  // No fenced write of the old term landed after the new term's first.
  const { rows: stale } = await pool.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM portico.fenced_writes w
      WHERE w.cluster_id = $1
        AND EXISTS (SELECT 1 FROM portico.fenced_writes later
                     WHERE later.cluster_id = w.cluster_id AND later.term > w.term AND later.at < w.at)`,
    [cluster.id],
  );
  expect(stale[0]!.n).toBe(0);
  expect(follower.process.logs().some((line) => line.msg === 'leader event dispatch started')).toBe(true);

  // A rescan event makes the new leader scan now (the next scheduled scan is an hour away).
  await withOutput(() =>
    waitFor(() => follower.process.logs().some((line) => line.msg === 'scan completed'), {
      description: "the new leader's first scan",
      timeoutMs: 30_000,
    }),
  );
  // The leader's watch of the storage may start a scan for the file on its own: what the event
  // must do is end done under the new term and start a scan after it was claimed.
  writeFileSync(path.join(scratch, 'storage', 'late-arrival.mov'), 'new bytes');
  const rescan = await controlPlane.admin.createEvent(cluster.id, { kind: 'rescan' });
  const rescanAt = Date.now();
  const dispatched = await withOutput(() =>
    waitFor(
      async () => {
        const event = await controlPlane.admin.getEvent(rescan.id);
        return event.state === 'queued' || event.state === 'running' ? undefined : event;
      },
      { description: 'the rescan event dispatched', timeoutMs: 20_000, intervalMs: 100 },
    ),
  );
  expect(dispatched).toMatchObject({ state: 'done', claimedTerm: next.term });
  await withOutput(() =>
    waitFor(
      async () =>
        (
          await pool.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM portico.scan_runs
              WHERE cluster_id = $1 AND state = 'completed' AND started_at >= $2`,
            [cluster.id, dispatched.claimedAt],
          )
        ).rows[0]!.n > 0,
      {
        description: 'a scan started after the rescan event was claimed',
        timeoutMs: 20_000,
        intervalMs: 100,
      },
    ),
  );
  await withOutput(() =>
    waitFor(async () => (await catalog.findFilesByPath(pool, cluster.id, 'late-arrival.mov')).length === 1, {
      description: 'the file written before the rescan event to be catalogued',
      timeoutMs: 20_000,
      intervalMs: 100,
    }),
  );
  const rescanMs = Date.now() - rescanAt;

  const { rows: firstByNew } = await pool.query<{ at: Date }>(
    `SELECT min(at) AS at FROM portico.fenced_writes WHERE cluster_id = $1 AND term = $2 AND action = 'consume-event'`,
    [cluster.id, next.term],
  );
  process.stderr.write(
    `[e2e] events: ${EVENTS} requested; dispatched before the kill: ${dispatchedByKilled} (term ${first.term}: ` +
      `${byTerm.get(String(first.term))}, term ${next.term}: ${byTerm.get(String(next.term))}); ` +
      `kill -> new leader's first dispatch ${firstByNew[0]!.at.getTime() - killedAt} ms; ` +
      `kill -> all dispatched ${doneAt - killedAt} ms; jobs ${jobs.length}; rescan event -> its scan done, file catalogued ${rescanMs} ms\n`,
  );
});
