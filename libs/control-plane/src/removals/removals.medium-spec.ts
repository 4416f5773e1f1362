// The removals API and the storage part of the status, through the typed client against the built
// control plane over real pgBouncer. Held removals and scan runs are written the way the leader's
// scanner writes them: rows of portico.scan_removals and portico.scan_runs on the shared database.
import { randomUUID } from 'node:crypto';

import { CatalogRepository } from '@portico/catalog';
import {
  type Cluster,
  ControlPlaneClient,
  ControlPlaneError,
  type Storage,
  type TelemetryReport,
} from '@portico/control-plane-client';
import { createPool } from '@portico/db';
import {
  type ControlPlaneHandle,
  createNodeIdentity,
  rejectionOf,
  startControlPlane,
  useTestDatabase,
} from '@portico/testing';
import type { Pool } from 'pg';

const db = useTestDatabase();
let server: ControlPlaneHandle;
let admin: ControlPlaneClient;
let pool: Pool;
const catalog = new CatalogRepository();

beforeAll(async () => {
  server = await startControlPlane({ databaseUrl: db.url, env: { PORTICO_HTTP_HOST: '127.0.0.1' } });
  admin = server.admin;
  pool = createPool(db.url, { max: 3 });
});

afterAll(async () => {
  await server?.process.stop();
  await pool?.end();
});

const failure = (promise: Promise<unknown>): Promise<ControlPlaneError> =>
  rejectionOf(promise, ControlPlaneError);

async function clusterWithStorage(name: string): Promise<{ cluster: Cluster; storage: Storage }> {
  const cluster = await admin.createCluster({ name });
  const storage = await admin.createStorage(cluster.id, { name: 'nas' });
  return { cluster, storage };
}

/** A scan run as the scanner records it; returns its id. */
async function run(
  clusterId: string,
  fields: {
    state: string;
    filesListed?: number;
    indexFiles?: number;
    initial?: boolean;
    warnings?: object[];
  },
): Promise<string> {
  const { rows } = await pool.query<{ id: string }>(
    `INSERT INTO portico.scan_runs (cluster_id, state, started_term, term, initial, index_files_at_start,
                                    files_listed, warnings, started_at, updated_at, finished_at)
     VALUES ($1, $2, 1, 1, $3, $4, $5, $6::jsonb, now() - interval '10 seconds', now(),
             CASE WHEN $2 = 'running' THEN NULL ELSE now() END)
     RETURNING id::text`,
    [
      clusterId,
      fields.state,
      fields.initial ?? false,
      fields.indexFiles ?? 0,
      fields.filesListed ?? 0,
      JSON.stringify(fields.warnings ?? []),
    ],
  );
  return rows[0]!.id;
}

/** Held removals of `paths`, found by run `runId`. */
async function hold(clusterId: string, runId: string, paths: string[]): Promise<void> {
  const keys = paths.map((path) => {
    const slash = path.lastIndexOf('/');
    return slash < 0 ? ['', path] : [path.slice(0, slash), path.slice(slash + 1)];
  });
  await pool.query(
    `INSERT INTO portico.scan_removals (cluster_id, dir, name, run_id, state)
     SELECT $1, u.dir, u.name, $2, 'held' FROM unnest($3::text[], $4::text[]) AS u(dir, name)`,
    [clusterId, runId, keys.map((key) => key[0]), keys.map((key) => key[1])],
  );
}

/** A raw request, to see status codes the typed client does not expose. */
async function raw(method: string, path: string, token: string | null, body?: unknown) {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

const HELD = ['a.mov', 'x/1.mov', 'x/2.mov', 'x/y/3.mov', 'x/y/4.mov', 'z/5.mov', 'z/6 with space.mov'];

describe('GET .../removals', () => {
  it('lists held removals in path order, cursor-paged, with the catalog file at each path', async () => {
    const { cluster, storage } = await clusterWithStorage('listing-house');
    await hold(cluster.id, await run(cluster.id, { state: 'completed' }), HELD);
    const known = await catalog.ingest(pool, cluster.id, storage.id, {
      path: 'x/1.mov',
      size: 1,
      mtime: new Date('2025-05-01T00:00:00Z'),
      inode: 5,
    });

    const seen: string[] = [];
    const pages: number[] = [];
    let cursor: string | undefined;
    do {
      const page = await admin.listRemovals(cluster.id, storage.id, { limit: 3, cursor });
      expect(page.pending).toBe(7);
      seen.push(...page.items.map((item) => item.path));
      pages.push(page.items.length);
      if (page.items.some((item) => item.path === 'x/1.mov'))
        expect(page.items.find((item) => item.path === 'x/1.mov')!.fileId).toBe(known.fileId);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(pages).toEqual([3, 3, 1]);
    expect(seen).toEqual(HELD); // the scanner's order: by folder, then name (byte order)
    const first = await admin.listRemovals(cluster.id, storage.id);
    expect(first.items.filter((item) => item.fileId !== null).map((item) => item.path)).toEqual(['x/1.mov']);
    expect(first).toMatchObject({
      clusterId: cluster.id,
      storageId: storage.id,
      nextCursor: null,
      approvals: [],
    });
    expect(Date.parse(first.items[0]!.detectedAt)).toBeGreaterThan(Date.now() - 60_000);
  });

  it('answers 401 without a token, 403 outside the token’s cluster, and lets a node of the cluster read', async () => {
    const { cluster, storage } = await clusterWithStorage('auth-house');
    const other = await clusterWithStorage('other-house');
    const path = `/api/v1/clusters/${cluster.id}/storages/${storage.id}/removals`;
    expect((await raw('GET', path, null)).status).toBe(401);
    expect((await raw('POST', `${path}/approve`, null, { all: true })).status).toBe(401);

    const member = await createNodeIdentity(admin, cluster.id, 'main-1', ['MAIN']);
    const node = new ControlPlaneClient({ baseUrl: server.url, token: member.token });
    expect((await node.listRemovals(cluster.id, storage.id)).pending).toBe(0);
    // a node may read, but approving is an operator's decision
    expect((await failure(node.approveRemovals(cluster.id, storage.id, { all: true }))).status).toBe(403);

    const stranger = await createNodeIdentity(admin, other.cluster.id, 'main-1', ['MAIN']);
    const outsider = new ControlPlaneClient({ baseUrl: server.url, token: stranger.token });
    expect((await failure(outsider.listRemovals(cluster.id, storage.id))).status).toBe(403);
    // ...also for ids that do not exist, so that ids cannot be probed
    expect((await failure(outsider.listRemovals(randomUUID(), randomUUID()))).status).toBe(403);

    const join = await admin.createToken({ kind: 'join', clusterId: cluster.id });
    expect((await raw('GET', path, join.token)).status).toBe(403);
  });

  it('answers 404 for an unknown cluster or storage, or a storage of another cluster; 400 for bad ids and queries', async () => {
    const { cluster, storage } = await clusterWithStorage('lookup-house');
    const other = await clusterWithStorage('elsewhere-house');
    const unknownCluster = await failure(admin.listRemovals(randomUUID(), storage.id));
    expect(unknownCluster.status).toBe(404);
    expect(unknownCluster.body?.message).toMatch(/^cluster .* not found$/);
    const unknownStorage = await failure(admin.listRemovals(cluster.id, randomUUID()));
    expect(unknownStorage.status).toBe(404);
    expect(unknownStorage.body?.message).toContain(`not found in cluster ${cluster.id}`);
    expect((await failure(admin.listRemovals(cluster.id, other.storage.id))).status).toBe(404);
    expect((await failure(admin.approveRemovals(cluster.id, other.storage.id, { all: true }))).status).toBe(
      404,
    );

    const badId = await raw('GET', `/api/v1/clusters/${cluster.id}/storages/nas/removals`, server.adminToken);
    expect(badId).toMatchObject({ status: 400, body: { fields: [{ path: 'storageId' }] } });
    const base = `/api/v1/clusters/${cluster.id}/storages/${storage.id}/removals`;
    expect((await raw('GET', `${base}?limit=0`, server.adminToken)).body).toMatchObject({
      statusCode: 400,
      fields: [{ path: 'limit' }],
    });
    expect((await raw('GET', `${base}?order=desc`, server.adminToken)).status).toBe(400);
    for (const cursor of ['not a cursor', Buffer.from('../etc').toString('base64url')]) {
      const bad = await failure(admin.listRemovals(cluster.id, storage.id, { cursor }));
      expect(bad.status).toBe(400);
      expect(bad.body?.fields).toEqual([
        { path: 'cursor', message: 'must be a nextCursor returned by this route' },
      ]);
    }
  });
});

describe('POST .../removals/approve', () => {
  it('records an approval of every removal held now: who, when, how many; answers 202', async () => {
    const { cluster, storage } = await clusterWithStorage('approve-house');
    const runId = await run(cluster.id, { state: 'completed' });
    await hold(cluster.id, runId, HELD);
    const operator = await admin.createToken({ kind: 'admin', description: 'night operator' });
    const path = `/api/v1/clusters/${cluster.id}/storages/${storage.id}/removals/approve`;

    const accepted = await raw('POST', path, operator.token, { all: true });
    expect(accepted.status).toBe(202);
    expect(accepted.body).toMatchObject({
      clusterId: cluster.id,
      storageId: storage.id,
      all: true,
      pathCount: 0,
      pendingAtRequest: 7,
      requestedBy: operator.id,
      state: 'pending',
      waitingReason: null,
      appliedAt: null,
      removed: 0,
    });
    const byAdmin = await admin.approveRemovals(cluster.id, storage.id, { all: true });
    expect(byAdmin.requestedBy).toBe('admin');

    const list = await admin.listRemovals(cluster.id, storage.id);
    expect(list.pending).toBe(7); // only the leader applies it
    expect(list.approvals.map((approval) => approval.id)).toEqual([byAdmin.id, accepted.body.id]);
    // it covers removals held up to now: the runs that held them, not a scan still running
    const { rows } = await pool.query<{ up_to_run: string; paths: string[] | null }>(
      'SELECT up_to_run::text, paths FROM portico.removal_approvals WHERE id = $1',
      [byAdmin.id],
    );
    expect(rows[0]).toEqual({ up_to_run: runId, paths: null });
  });

  it('approves named paths and catalog file ids, each checked to be pending', async () => {
    const { cluster, storage } = await clusterWithStorage('named-house');
    await hold(cluster.id, await run(cluster.id, { state: 'completed' }), HELD);
    const file = await catalog.ingest(pool, cluster.id, storage.id, {
      path: 'x/2.mov',
      size: 1,
      mtime: new Date('2025-05-01T00:00:00Z'),
      inode: 6,
    });
    const approval = await admin.approveRemovals(cluster.id, storage.id, {
      paths: ['a.mov', 'z/6 with space.mov', 'x/2.mov'],
      fileIds: [file.fileId],
    });
    expect(approval).toMatchObject({ all: false, pathCount: 3, pendingAtRequest: 3, state: 'pending' });
    const { rows } = await pool.query<{ paths: string[] }>(
      'SELECT paths FROM portico.removal_approvals WHERE id = $1',
      [approval.id],
    );
    expect(rows[0]!.paths).toEqual(['a.mov', 'z/6 with space.mov', 'x/2.mov']);

    const notPending = await failure(
      admin.approveRemovals(cluster.id, storage.id, { paths: ['a.mov', 'b.mov', 'x/y/9.mov'] }),
    );
    expect(notPending.status).toBe(400);
    expect(notPending.body?.fields?.map((field) => field.path)).toEqual(['paths.1', 'paths.2']);
    expect(notPending.body?.fields?.[0]?.message).toContain('b.mov is not a pending removal of storage nas');

    const unknownFile = randomUUID();
    const badFile = await failure(admin.approveRemovals(cluster.id, storage.id, { fileIds: [unknownFile] }));
    expect(badFile.status).toBe(400);
    expect(badFile.body?.fields).toEqual([
      { path: 'fileIds.0', message: `no file of storage nas has the id ${unknownFile}` },
    ]);
  });

  it('rejects bodies that are not exactly "all" or named removals (400), and "all" with nothing pending (409)', async () => {
    const { cluster, storage } = await clusterWithStorage('strict-house');
    const path = `/api/v1/clusters/${cluster.id}/storages/${storage.id}/removals/approve`;
    for (const body of [
      {},
      { all: false },
      { all: true, paths: ['a.mov'] },
      { paths: [] },
      { paths: ['../outside.mov'] },
      { paths: ['/abs/a.mov'] },
      { fileIds: ['not-a-uuid'] },
      { all: true, everything: true },
    ]) {
      const answer = await raw('POST', path, server.adminToken, body);
      expect({ body, status: answer.status }).toEqual({ body, status: 400 });
      const fields = answer.body.fields as Array<{ path: string; message: string }>;
      expect(fields.length).toBeGreaterThan(0);
    }
    const nothing = await failure(admin.approveRemovals(cluster.id, storage.id, { all: true }));
    expect(nothing.status).toBe(409);
    expect(nothing.body?.message).toContain('no removals are pending on storage nas');
  });
});

describe('GET /clusters/:id/status: the storage', () => {
  it('shows the scan (idle, scanning from the checkpoint or from the leader), the last completed scan, pending removals and why an approval waits', async () => {
    const { cluster, storage } = await clusterWithStorage('status-house');
    const never = (await admin.clusterStatus(cluster.id)).storages;
    expect(never).toEqual([
      {
        id: storage.id,
        name: 'nas',
        scan: {
          state: 'idle',
          found: 0,
          processed: 0,
          left: 0,
          ratePerSecond: 0,
          source: 'database',
          startedAt: null,
          lastCompletedAt: null,
        },
        pendingRemovals: 0,
        approvalsWaiting: 0,
        warnings: [],
      },
    ]);

    const done = await run(cluster.id, {
      state: 'completed',
      filesListed: 10_000,
      warnings: [
        { kind: 'removals-held', message: '7 files are missing, more than max_deletions_per_scan (1)' },
      ],
    });
    await hold(cluster.id, done, HELD);
    const idle = (await admin.clusterStatus(cluster.id)).storages[0]!;
    expect(idle).toMatchObject({
      scan: { state: 'idle', found: 10_000, processed: 10_000, left: 0, source: 'database' },
      pendingRemovals: 7,
      warnings: ['7 files are missing, more than max_deletions_per_scan (1)'],
    });
    expect(idle.scan.ratePerSecond).toBeCloseTo(1000, -1);
    expect(idle.scan.lastCompletedAt).not.toBeNull();

    await run(cluster.id, { state: 'running', filesListed: 4000, indexFiles: 10_000 });
    const approval = await admin.approveRemovals(cluster.id, storage.id, { all: true });
    await pool.query(
      `UPDATE portico.removal_approvals SET waiting_reason = 'the storage does not look mounted', waiting_since = now()
        WHERE id = $1`,
      [approval.id],
    );
    const scanning = (await admin.clusterStatus(cluster.id)).storages[0]!;
    expect(scanning).toMatchObject({
      scan: {
        state: 'scanning',
        found: 4000,
        processed: 4000,
        left: 6000,
        source: 'database',
        lastCompletedAt: idle.scan.lastCompletedAt,
      },
      pendingRemovals: 7,
      approvalsWaiting: 1,
      warnings: ['an approval of removals waits: the storage does not look mounted'],
    });
    expect(scanning.scan.ratePerSecond).toBeCloseTo(400, -1);

    // the current leader's telemetry about this run is live: found ahead of processed, its own rate
    const leader = await createNodeIdentity(admin, cluster.id, 'main-1', ['MAIN']);
    const worker = randomUUID();
    await new ControlPlaneClient({ baseUrl: server.url, token: leader.token }).sendTelemetry(
      report(leader.node.id, worker, { found: 6500, processed: 5000, left: 5000, ratePerSecond: 812.5 }),
    );
    await pool.query(
      `INSERT INTO portico.cluster_leases (cluster_id, term, leader_node_id, leader_worker_id, acquired_at, renewed_at, expires_at)
       VALUES ($1, 3, $2, $3, now(), now(), now() + interval '1 minute')`,
      [cluster.id, leader.node.id, worker],
    );
    expect((await admin.clusterStatus(cluster.id)).storages[0]!.scan).toMatchObject({
      state: 'scanning',
      found: 6500,
      processed: 5000,
      left: 5000,
      ratePerSecond: 812.5,
      source: 'leader',
    });
  });
});

function report(
  nodeId: string,
  workerId: string,
  scan: NonNullable<TelemetryReport['storage']>['scan'],
): TelemetryReport {
  return {
    nodeId,
    workerId,
    app: 'coordinator',
    version: '0.1.0',
    status: 'Active',
    roles: ['MAIN'],
    leader: { isLeader: true, term: 3 },
    host: {
      hostname: 'edit-bay',
      os: 'Linux 6.1',
      platform: 'linux',
      arch: 'x64',
      cpus: 8,
      memoryBytes: 16e9,
      freeMemoryBytes: 8e9,
      loadAverage: [0.5, 0.4, 0.3],
      uptimeSeconds: 1000,
      processRssBytes: 1e8,
    },
    health: { database: { status: 'up', latencyMs: 2 } },
    jobs: {},
    storage: { mountPoint: '/mnt/nas', capacityBytes: 1e12, freeBytes: 5e11, scan },
    intervalSeconds: 5,
    sentAt: new Date().toISOString(),
  };
}
