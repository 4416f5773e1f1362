import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import type { ClusterStatus } from '@portico/control-plane-client';
import {
  createNodeIdentity,
  getJson,
  nodeEnv,
  startControlPlane,
  startNode,
  startTcpProxy,
  useTestDatabase,
  waitFor,
  type ControlPlaneHandle,
  type NodeHandle,
  type TcpProxy,
} from '@portico/testing';

// SPEC 2.1's failure scenarios with real processes: three coordinators (MAIN) and a CHECKSUM
// node per scenario, each in its own cluster of one database. Every coordinator reaches
// pgBouncer and the control plane through its own TCP proxy (so one node's path can be cut)
// and the storage through its own mount point (so one node's storage can fail).
const db = useTestDatabase();
let scratch: string;
let storage: string;
let controlPlane: ControlPlaneHandle;
let sql: Client;

interface Coordinator {
  name: string;
  nodeId: string;
  mount: string;
  dbProxy: TcpProxy;
  cpProxy: TcpProxy;
  handle: NodeHandle;
}

interface Cluster {
  id: string;
  coordinators: Coordinator[];
  checksum: NodeHandle;
  /** Samples of the CHECKSUM node's status and last-seen time while the scenario runs. */
  watch: {
    nodeId: string;
    samples: Array<{ status: string; lastSeenAt: string | null }>;
    stop: () => Promise<void>;
  };
}

const open: Array<{ close(): Promise<void> } | NodeHandle> = [];

beforeAll(async () => {
  scratch = mkdtempSync(path.join(tmpdir(), 'portico-failover-'));
  chmodSync(scratch, 0o755);
  storage = path.join(scratch, 'storage');
  mkdirSync(storage);
  controlPlane = await startControlPlane({ databaseUrl: db.url });
  sql = new Client({ connectionString: db.directUrl });
  // The harness drops the database (terminating sessions) when the file ends.
  sql.on('error', () => undefined);
  await sql.connect();
});

afterAll(async () => {
  for (const item of open.reverse()) {
    if ('process' in item) await item.process.stop('SIGKILL');
    else await item.close();
  }
  await controlPlane?.process.stop('SIGKILL');
  await sql?.end();
  rmSync(scratch, { recursive: true, force: true });
});

function viaProxy(url: string, proxy: TcpProxy): string {
  const parsed = new URL(url);
  parsed.hostname = '127.0.0.1';
  parsed.port = String(proxy.port);
  return parsed.toString();
}

async function startCluster(name: string): Promise<Cluster> {
  const cluster = await controlPlane.admin.createCluster({ name });
  const pgbouncerPort = Number(new URL(db.url).port);
  const controlPlanePort = Number(new URL(controlPlane.url).port);
  const coordinators = await Promise.all(
    [1, 2, 3].map(async (index): Promise<Coordinator> => {
      const nodeName = `${name}-main-${index}`;
      const identity = await createNodeIdentity(controlPlane.admin, cluster.id, nodeName, ['MAIN']);
      const [dbProxy, cpProxy] = await Promise.all([
        startTcpProxy(pgbouncerPort),
        startTcpProxy(controlPlanePort),
      ]);
      open.push(dbProxy, cpProxy);
      const mount = path.join(scratch, 'mounts', nodeName);
      mkdirSync(path.dirname(mount), { recursive: true });
      symlinkSync(storage, mount);
      const env = nodeEnv({
        controlPlaneUrl: viaProxy(controlPlane.url, cpProxy),
        databaseUrl: viaProxy(db.url, dbProxy),
        identity,
        mountPoint: mount,
      });
      const handle = await startNode('coordinator', nodeName, identity.node.id, env);
      open.push(handle);
      return { name: nodeName, nodeId: identity.node.id, mount, dbProxy, cpProxy, handle };
    }),
  );
  const checksumIdentity = await createNodeIdentity(controlPlane.admin, cluster.id, `${name}-checksum`, [
    'CHECKSUM',
  ]);
  const checksum = await startNode(
    'checksum-worker',
    `${name}-checksum`,
    checksumIdentity.node.id,
    nodeEnv({
      controlPlaneUrl: controlPlane.url,
      databaseUrl: db.url,
      identity: checksumIdentity,
      mountPoint: storage,
    }),
  );
  open.push(checksum);
  await waitFor(async () => (await controlPlane.admin.getNode(checksum.nodeId)).status === 'Active', {
    timeoutMs: 20_000,
    description: 'the CHECKSUM node to report Active',
  });
  return { id: cluster.id, coordinators, checksum, watch: watchNode(checksum.nodeId) };
}

/** Polls a node's status and last-seen time until stopped. */
function watchNode(nodeId: string): Cluster['watch'] {
  const samples: Cluster['watch']['samples'] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const node = await controlPlane.admin.getNode(nodeId);
      samples.push({ status: node.status, lastSeenAt: node.lastSeenAt });
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  })();
  return {
    nodeId,
    samples,
    stop: async () => {
      running = false;
      await loop;
    },
  };
}

async function status(cluster: Cluster): Promise<ClusterStatus> {
  return controlPlane.admin.clusterStatus(cluster.id);
}

/** Waits for a current leader satisfying `accept`; returns it with its term. */
async function waitForLeader(
  cluster: Cluster,
  accept: (leader: Coordinator, term: number) => boolean,
  timeoutMs = 20_000,
) {
  let found: { leader: Coordinator; term: number } | undefined;
  await waitFor(
    async () => {
      const current = await status(cluster);
      const node = current.nodes.find((candidate) => candidate.isLeader);
      const leader = cluster.coordinators.find((coordinator) => coordinator.nodeId === node?.id);
      if (!leader || !current.leader?.current || !accept(leader, current.leader.term)) return false;
      found = { leader, term: current.leader.term };
      return true;
    },
    { timeoutMs, intervalMs: 100, description: 'a leader that satisfies the scenario' },
  );
  return found!;
}

/** No fenced write of a term was committed after a later term had already written (stale write). */
async function expectNoStaleWrites(clusterId: string): Promise<void> {
  const { rows } = await sql.query<{ stale: string }>(
    `SELECT count(*) AS stale FROM portico.fenced_writes w
      WHERE w.cluster_id = $1
        AND EXISTS (SELECT 1 FROM portico.fenced_writes later
                     WHERE later.cluster_id = w.cluster_id AND later.term > w.term AND later.at < w.at)`,
    [clusterId],
  );
  expect(Number(rows[0]!.stale)).toBe(0);
}

async function fencedWrites(clusterId: string, action: string) {
  const { rows } = await sql.query<{ term: string; node_id: string; subject: string | null }>(
    'SELECT term, node_id, subject FROM portico.fenced_writes WHERE cluster_id = $1 AND action = $2 ORDER BY id',
    [clusterId, action],
  );
  return rows.map((row) => ({ term: Number(row.term), nodeId: row.node_id, subject: row.subject }));
}

/**
 * The CHECKSUM node kept reporting through the scenario: it was Active in every sample, and
 * its telemetry keeps arriving after the fault (last-seen moves past where it was at the start).
 */
async function expectWorkerKeptReporting(cluster: Cluster): Promise<void> {
  const firstSeen = cluster.watch.samples[0]?.lastSeenAt ?? '';
  await waitFor(
    async () => ((await controlPlane.admin.getNode(cluster.watch.nodeId)).lastSeenAt ?? '') > firstSeen,
    {
      timeoutMs: 15_000,
      description: 'the CHECKSUM node to keep sending telemetry',
    },
  );
  await cluster.watch.stop();
  const { samples } = cluster.watch;
  expect(samples.length).toBeGreaterThan(0);
  expect(samples.filter((sample) => sample.status !== 'Active')).toEqual([]);
}

async function telemetryLeaderFlag(nodeId: string): Promise<boolean | undefined> {
  return (await controlPlane.admin.getNode(nodeId)).lastTelemetry?.leader.isLeader;
}

describe('leader failover (SPEC 2.1)', () => {
  it('1. leader SIGKILLed: a follower takes over with a higher term and marks it Offline', async () => {
    const cluster = await startCluster('kill');
    const first = await waitForLeader(cluster, () => true);
    await first.leader.handle.process.stop('SIGKILL');
    const next = await waitForLeader(cluster, (leader, term) => leader !== first.leader && term > first.term);
    await waitFor(async () => (await controlPlane.admin.getNode(first.leader.nodeId)).status === 'Offline', {
      timeoutMs: 10_000,
      description: 'the killed leader to be marked Offline',
    });
    const marks = await fencedWrites(cluster.id, 'mark-offline');
    expect(marks).toContainEqual({
      term: next.term,
      nodeId: next.leader.nodeId,
      subject: first.leader.nodeId,
    });
    await expectNoStaleWrites(cluster.id);
    await expectWorkerKeptReporting(cluster);
  });

  it('2. leader SIGSTOPped beyond its lease, then SIGCONT: it writes nothing and steps down', async () => {
    const cluster = await startCluster('pause');
    const first = await waitForLeader(cluster, () => true);
    first.leader.handle.process.child.kill('SIGSTOP');
    const next = await waitForLeader(cluster, (leader, term) => leader !== first.leader && term > first.term);
    // Let the new leader do fenced housekeeping rounds, then wake the old one up.
    await waitFor(
      async () => (await fencedWrites(cluster.id, 'housekeeping')).some((write) => write.term === next.term),
      {
        timeoutMs: 10_000,
        description: 'the new leader to write under its term',
      },
    );
    first.leader.handle.process.child.kill('SIGCONT');
    await waitFor(async () => (await telemetryLeaderFlag(first.leader.nodeId)) === false, {
      timeoutMs: 15_000,
      description: 'the resumed old leader to report itself a follower',
    });
    const oldTermWritesAfter = await sql.query(
      `SELECT count(*)::int AS n FROM portico.fenced_writes
        WHERE cluster_id = $1 AND term = $2
          AND at > (SELECT min(at) FROM portico.fenced_writes WHERE cluster_id = $1 AND term = $3)`,
      [cluster.id, first.term, next.term],
    );
    expect(oldTermWritesAfter.rows[0]).toEqual({ n: 0 });
    expect((await status(cluster)).leader).toMatchObject({ term: next.term, nodeId: next.leader.nodeId });
    await expectNoStaleWrites(cluster.id);
    await expectWorkerKeptReporting(cluster);
  });

  it('3. leader loses the control plane: it steps down and a healthy node takes over', async () => {
    const cluster = await startCluster('cp-cut');
    const first = await waitForLeader(cluster, () => true);
    first.leader.cpProxy.cut();
    const next = await waitForLeader(
      cluster,
      (leader, term) => leader !== first.leader && term > first.term,
      30_000,
    );
    expect(next.leader.name).not.toBe(first.leader.name);
    const health = await getJson(`${first.leader.handle.url}/health/ready`);
    expect(health.body).toMatchObject({ error: { 'control-plane': { status: 'down' } } });
    first.leader.cpProxy.restore();
    await expectNoStaleWrites(cluster.id);
    await expectWorkerKeptReporting(cluster);
  });

  it('4. leader loses its storage: it steps down and a healthy node takes over', async () => {
    const cluster = await startCluster('storage');
    const first = await waitForLeader(cluster, () => true);
    unlinkSync(first.leader.mount);
    symlinkSync(path.join(scratch, 'no-such-storage'), first.leader.mount);
    const next = await waitForLeader(
      cluster,
      (leader, term) => leader !== first.leader && term > first.term,
      30_000,
    );
    expect(next.leader).not.toBe(first.leader);
    await waitFor(async () => (await telemetryLeaderFlag(first.leader.nodeId)) === false, {
      timeoutMs: 10_000,
      description: 'the old leader to report itself a follower',
    });
    expect(
      (await controlPlane.admin.getNode(first.leader.nodeId)).lastTelemetry?.health.storage?.status,
    ).toBe('down');
    await expectNoStaleWrites(cluster.id);
    await expectWorkerKeptReporting(cluster);
  });

  it('5. leader cut off from the database: it stops MAIN work by its renew deadline; the cluster takes over', async () => {
    const cluster = await startCluster('db-cut');
    const first = await waitForLeader(cluster, () => true);
    first.leader.dbProxy.cut();
    const next = await waitForLeader(cluster, (leader, term) => leader !== first.leader && term > first.term);
    expect(next.term).toBeGreaterThan(first.term);
    await waitFor(
      () =>
        first.leader.handle.process
          .logs()
          .some((line) => line.msg === 'leadership lost' || /demoted|stepp/i.test(String(line.msg))),
      {
        timeoutMs: 10_000,
        description: 'the cut-off leader to log that it stopped leading',
      },
    );
    first.leader.dbProxy.restore();
    await expectNoStaleWrites(cluster.id);
    await expectWorkerKeptReporting(cluster);
  });

  it('6. leader stopped cleanly (SIGTERM): it releases the lease and is Stopped, not Offline', async () => {
    const cluster = await startCluster('term');
    const first = await waitForLeader(cluster, () => true);
    const exit = await first.leader.handle.process.stop('SIGTERM', 15_000);
    expect(exit).toEqual({ code: 0, signal: null });
    const next = await waitForLeader(cluster, (leader, term) => leader !== first.leader && term > first.term);
    expect(next.term).toBe(first.term + 1);
    await waitFor(async () => (await controlPlane.admin.getNode(first.leader.nodeId)).status === 'Stopped', {
      timeoutMs: 10_000,
      description: 'the stopped leader to be recorded Stopped',
    });
    // A released lease is not a takeover of a dead leader: nobody marks it Offline.
    expect(
      (await fencedWrites(cluster.id, 'mark-offline')).filter((mark) => mark.subject === first.leader.nodeId),
    ).toEqual([]);
    await expectNoStaleWrites(cluster.id);
    await expectWorkerKeptReporting(cluster);
  });

  it('7. flapping storage health does not move leadership (hysteresis)', async () => {
    const cluster = await startCluster('flap');
    const first = await waitForLeader(cluster, () => true);
    const broken = path.join(scratch, 'no-such-storage');
    // The durations are the fault pattern itself, not waits for state: each outage (2.5 s) is
    // shorter than three failed checks at the 2 s health interval, so hysteresis absorbs it.
    for (let flap = 0; flap < 3; flap++) {
      unlinkSync(first.leader.mount);
      symlinkSync(broken, first.leader.mount);
      await new Promise((resolve) => setTimeout(resolve, 2500));
      unlinkSync(first.leader.mount);
      symlinkSync(storage, first.leader.mount);
      await new Promise((resolve) => setTimeout(resolve, 4500));
    }
    const after = await status(cluster);
    expect(after.leader).toMatchObject({ nodeId: first.leader.nodeId, term: first.term, current: true });
    await expectNoStaleWrites(cluster.id);
    await expectWorkerKeptReporting(cluster);
  }, 90_000);
});
