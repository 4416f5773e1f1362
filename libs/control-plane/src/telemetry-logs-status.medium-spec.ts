import { randomUUID } from 'node:crypto';
import { ControlPlaneClient, ControlPlaneError, type TelemetryReport } from '@portico/control-plane-client';
import { type AppProcess, execSql, rejectionOf, startApp, useTestDatabase, waitFor } from '@portico/testing';

// Telemetry (duplicate worker instances, clean stops, the offline sweep), shipped logs and the
// cluster status, through the typed client against the built control plane.
const ADMIN_TOKEN = 'medium-admin-token-telemetry-0123456789';

const db = useTestDatabase();
let app: AppProcess;
let baseUrl: string;
let admin: ControlPlaneClient;
let clusterId: string;

beforeAll(async () => {
  app = startApp('control-plane', {
    env: {
      PORTICO_HTTP_HOST: '127.0.0.1',
      PORTICO_HTTP_PORT: '0',
      PORTICO_DATABASE_URL: db.url,
      PORTICO_ADMIN_TOKEN: ADMIN_TOKEN,
    },
  });
  baseUrl = (JSON.parse(await app.waitForLine(/listening on http:/, 60_000)) as { url: string }).url;
  admin = new ControlPlaneClient({ baseUrl, token: ADMIN_TOKEN });
  clusterId = (await admin.createCluster({ name: 'telemetry' })).id;
});
afterAll(async () => {
  await app?.stop();
});

/** A node with its own node token. */
async function nodeWithToken(name: string, roles: TelemetryReport['roles']) {
  const node = await admin.createNode(clusterId, { name, roles });
  const { token } = await admin.createToken({ kind: 'node', nodeId: node.id });
  return { node, client: new ControlPlaneClient({ baseUrl, token }) };
}

function report(nodeId: string, workerId: string, overrides: Partial<TelemetryReport> = {}): TelemetryReport {
  return {
    nodeId,
    workerId,
    app: 'gateway',
    version: '0.1.0',
    status: 'Active',
    roles: ['MAIN'],
    leader: { isLeader: false, term: null },
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
    jobs: { checksum: { active: 1, completed: 10, failed: 0 } },
    intervalSeconds: 5,
    sentAt: new Date().toISOString(),
    ...overrides,
  };
}

const sql = (text: string, values: unknown[] = []): Promise<void> => execSql(db.directUrl, text, values);

describe('telemetry', () => {
  it('records a report and answers with the status and the /nodes/me version', async () => {
    const { node, client } = await nodeWithToken('reporter', ['MAIN']);
    const worker = randomUUID();
    const ack = await client.sendTelemetry(report(node.id, worker));
    expect(ack).toEqual({ status: 'Active', statusReason: null, version: '1.1' });
    const stored = await admin.getNode(node.id);
    expect(stored).toMatchObject({ status: 'Active', workerId: worker, lastTelemetry: { version: '0.1.0' } });
    expect(stored.lastSeenAt).not.toBeNull();

    const bad = await failure(client.sendTelemetry({ ...report(node.id, worker), intervalSeconds: -1 }));
    expect(bad.status).toBe(400);
    expect(bad.body?.fields?.map((f) => f.path)).toEqual(['intervalSeconds']);
  });

  it('shows two live worker instances of one node as Warning, naming both', async () => {
    const { node, client } = await nodeWithToken('twins', ['CHECKSUM']);
    const first = randomUUID();
    const second = randomUUID();
    expect((await client.sendTelemetry(report(node.id, first))).status).toBe('Active');
    const ack = await client.sendTelemetry(report(node.id, second));
    expect(ack.status).toBe('Warning');
    expect(ack.statusReason).toContain('2 worker instances report this node id');
    expect(ack.statusReason).toContain(first.slice(0, 8));
    expect(ack.statusReason).toContain(second.slice(0, 8));
    expect(await admin.getNode(node.id)).toMatchObject({ status: 'Warning', workerId: second });

    // Once one instance stops cleanly, the other is alone again.
    expect((await client.sendTelemetry(report(node.id, first, { status: 'Stopped' }))).status).toBe(
      'Stopped',
    );
    expect((await client.sendTelemetry(report(node.id, second))).status).toBe('Active');
  });

  it('marks a node that stops reporting Offline, and leaves nodes that never reported alone', async () => {
    const { node, client } = await nodeWithToken('silent', ['TRANSFER']);
    const quiet = await admin.createNode(clusterId, { name: 'never-reported', roles: ['TRANSFER'] });
    await client.sendTelemetry(report(node.id, randomUUID(), { intervalSeconds: 0.5 }));
    expect((await admin.getNode(node.id)).status).toBe('Active');

    const offline = await waitFor(
      async () => {
        const current = await admin.getNode(node.id);
        return current.status === 'Offline' ? current : undefined;
      },
      { description: 'the silent node marked Offline', timeoutMs: 15_000 },
    );
    expect(offline.statusReason).toMatch(/^no telemetry for \d+s$/);
    expect(await admin.getNode(quiet.id)).toMatchObject({ status: 'Offline', statusReason: null });

    // Reporting again brings it back.
    expect((await client.sendTelemetry(report(node.id, randomUUID()))).status).toBe('Active');
    const metrics = await (await fetch(`${baseUrl}/metrics`)).text();
    expect(metrics).toMatch(/portico_control_plane_nodes_marked_offline_total\{[^}]*\} [1-9]/);
    expect(metrics).toMatch(
      /portico_control_plane_telemetry_reports_total\{[^}]*status="Warning"[^}]*\} [1-9]/,
    );
  });

  it('keeps a cleanly stopped node Stopped', async () => {
    const { node, client } = await nodeWithToken('stopper', ['TRANSFER']);
    await client.sendTelemetry(report(node.id, randomUUID(), { status: 'Stopped', intervalSeconds: 0.2 }));
    // Long enough for several sweeps past its window: the state must still be Stopped.
    const { node: probe, client: probeClient } = await nodeWithToken('probe', ['TRANSFER']);
    await probeClient.sendTelemetry(report(probe.id, randomUUID(), { intervalSeconds: 0.2 }));
    await waitFor(async () => (await admin.getNode(probe.id)).status === 'Offline', {
      description: 'the probe node (reported after the stopper) marked Offline',
      timeoutMs: 15_000,
    });
    expect((await admin.getNode(node.id)).status).toBe('Stopped');
  });
});

describe('logs', () => {
  it('stores batches and pages them newest first with a minimum level', async () => {
    const { node, client } = await nodeWithToken('logger', ['MAIN']);
    const worker = randomUUID();
    const t0 = Date.now();
    const levels = ['info', 'debug', 'warn', 'error', 'info', 'fatal', 'trace'] as const;
    await client.shipLogs({
      workerId: worker,
      entries: levels.map((level, i) => ({
        time: new Date(t0 + i).toISOString(),
        level,
        message: `line ${i}`,
        ...(i === 3 ? { fields: { file: '/mnt/nas/a.mov' } } : {}),
      })),
    });
    await client.shipLogs({
      workerId: worker,
      entries: [{ time: new Date(t0 + 10).toISOString(), level: 'info', message: 'x'.repeat(16_000) }],
      dropped: 42,
    });

    const first = await admin.readLogs(node.id, { limit: 3 });
    expect(first.items.map((e) => e.message.slice(0, 25))).toEqual([
      '42 log lines were dropped',
      'x'.repeat(25),
      'line 6',
    ]);
    expect(first.items[0]).toMatchObject({
      level: 'warn',
      nodeId: node.id,
      workerId: worker,
      fields: { dropped: 42 },
    });
    expect(first.items[1]!.message.length).toBeLessThan(16_000);
    expect(first.items[1]!.message).toContain('characters cut');
    expect(first.nextCursor).not.toBeNull();

    const all: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await admin.readLogs(node.id, { limit: 4, ...(cursor ? { cursor } : {}) });
      all.push(...page.items.map((e) => e.message.slice(0, 10)));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(all).toHaveLength(9);
    expect(all.slice(-7)).toEqual(['line 6', 'line 5', 'line 4', 'line 3', 'line 2', 'line 1', 'line 0']);

    const errors = await admin.readLogs(node.id, { level: 'error' });
    expect(errors.items.map((e) => [e.level, e.message])).toEqual([
      ['fatal', 'line 5'],
      ['error', 'line 3'],
    ]);
    expect(errors.items[1]!.fields).toEqual({ file: '/mnt/nas/a.mov' });
    expect(errors.nextCursor).toBeNull();

    expect((await failure(admin.readLogs(node.id, { cursor: 'abc' }))).body?.fields?.[0]?.path).toBe(
      'cursor',
    );
    expect((await failure(admin.readLogs(node.id, { level: 'loud' as never }))).body?.fields?.[0]?.path).toBe(
      'level',
    );
    expect((await failure(admin.readLogs(randomUUID()))).status).toBe(404);

    const metrics = await (await fetch(`${baseUrl}/metrics`)).text();
    expect(metrics).toMatch(/portico_control_plane_log_lines_stored_total\{[^}]*\} 9\b/);
  });
});

describe('status', () => {
  it('shows the leader from the lease, role coverage and problems', async () => {
    const cluster = (await admin.createCluster({ name: 'status' })).id;
    const main = await admin.createNode(cluster, { name: 'main-1', roles: ['MAIN', 'CHECKSUM'] });
    await admin.createNode(cluster, { name: 'main-2', roles: ['MAIN'] });
    const { token } = await admin.createToken({ kind: 'node', nodeId: main.id });
    const mainClient = new ControlPlaneClient({ baseUrl, token });
    const worker = randomUUID();

    const empty = await admin.clusterStatus(cluster);
    expect(empty.operational).toBe(false);
    expect(empty.leader).toBeNull();
    expect(empty.roles).toEqual({ MAIN: 0, CHECKSUM: 0, TRANSCODE: 0, TRANSFER: 0 });
    expect(empty.problems).toContain('no leader has been elected yet among the MAIN nodes');

    await mainClient.sendTelemetry(
      report(main.id, worker, { roles: ['MAIN', 'CHECKSUM'], version: '0.2.0' }),
    );
    await sql(
      `INSERT INTO portico.cluster_leases (cluster_id, term, leader_node_id, leader_worker_id, acquired_at, renewed_at, expires_at)
       VALUES ($1, 7, $2, $3, now(), now(), now() + interval '1 minute')`,
      [cluster, main.id, worker],
    );
    const status = await admin.clusterStatus(cluster);
    expect(status.leader).toMatchObject({ nodeId: main.id, workerId: worker, term: 7, current: true });
    expect(status.nodes.find((n) => n.id === main.id)).toMatchObject({
      isLeader: true,
      status: 'Active',
      version: '0.2.0',
    });
    expect(status.nodes.find((n) => n.name === 'main-2')).toMatchObject({
      isLeader: false,
      status: 'Offline',
    });
    expect(status.roles).toEqual({ MAIN: 1, CHECKSUM: 1, TRANSCODE: 0, TRANSFER: 0 });
    expect(status.operational).toBe(false);
    expect(status.problems).toEqual([
      'no Active or Warning node holds the TRANSCODE role',
      'no Active or Warning node holds the TRANSFER role',
    ]);
    expect(Math.abs(Date.parse(status.databaseTime) - Date.now())).toBeLessThan(60_000);

    await admin.updateNode(main.id, { roles: ['MAIN', 'CHECKSUM', 'TRANSCODE', 'TRANSFER'] });
    expect((await admin.clusterStatus(cluster)).operational).toBe(true);

    await sql(
      `UPDATE portico.cluster_leases SET expires_at = now() - interval '1 second' WHERE cluster_id = $1`,
      [cluster],
    );
    const expired = await admin.clusterStatus(cluster);
    expect(expired.leader).toMatchObject({ term: 7, current: false });
    expect(expired.nodes.every((n) => !n.isLeader)).toBe(true);
    expect(expired.operational).toBe(false);
    expect(expired.problems).toEqual(['no current leader: the lease of term 7 expired or was released']);
    expect((await failure(admin.clusterStatus(randomUUID()))).status).toBe(404);
  });
});

const failure = (promise: Promise<unknown>): Promise<ControlPlaneError> =>
  rejectionOf(promise, ControlPlaneError);
