import { ControlPlaneClient, ControlPlaneError } from '@portico/control-plane-client';
import { type AppProcess, execSql, getJson, rejectionOf, startApp, useTestDatabase } from '@portico/testing';

// Authentication and authorisation of every kind of token, through the typed client against
// the built control plane over real pgBouncer: 401 for missing/unknown/revoked/expired tokens,
// 403 for a token acting outside its kind or cluster, and secrets shown only once.
const ADMIN_TOKEN = 'medium-admin-token-auth-0123456789';

const db = useTestDatabase();
let app: AppProcess;
let baseUrl: string;
let admin: ControlPlaneClient;
const seenBodies: string[] = [];

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
  admin = client(ADMIN_TOKEN);
});
afterAll(async () => {
  await app?.stop();
});

function client(token?: string): ControlPlaneClient {
  const recordingFetch: typeof fetch = async (input, init) => {
    const response = await fetch(input, init);
    seenBodies.push(await response.clone().text());
    return response;
  };
  return new ControlPlaneClient({ baseUrl, token, fetch: recordingFetch });
}

async function status(promise: Promise<unknown>): Promise<number> {
  return (await failure(promise)).status;
}

const failure = (promise: Promise<unknown>): Promise<ControlPlaneError> =>
  rejectionOf(promise, ControlPlaneError);

const sql = (text: string, values: unknown[] = []): Promise<void> => execSql(db.directUrl, text, values);

describe('authentication', () => {
  it('leaves ping, health, metrics and the API docs open', async () => {
    await expect(client().ping()).resolves.toMatchObject({ status: 'ok' });
    await expect(getJson(`${baseUrl}/health/live`)).resolves.toMatchObject({ status: 200 });
    expect((await fetch(`${baseUrl}/metrics`)).status).toBe(200);
  });

  it('documents every route in the OpenAPI document, with bearer auth', async () => {
    const docs = await getJson(`${baseUrl}/api/docs-json`);
    expect(docs.status).toBe(200);
    const paths = (docs.body as { paths: Record<string, Record<string, { security?: unknown[] }>> }).paths;
    for (const path of [
      '/api/v1/clusters',
      '/api/v1/clusters/{id}',
      '/api/v1/clusters/{id}/settings/{key}',
      '/api/v1/clusters/{id}/status',
      '/api/v1/clusters/{clusterId}/nodes',
      '/api/v1/nodes/{id}',
      '/api/v1/nodes/{id}/settings/{key}',
      '/api/v1/nodes/{id}/logs',
      '/api/v1/nodes/register',
      '/api/v1/nodes/me',
      '/api/v1/telemetry',
      '/api/v1/logs',
      '/api/v1/tokens',
      '/api/v1/tokens/{id}',
    ]) {
      expect(Object.keys(paths)).toContain(path);
    }
    expect(paths['/api/v1/telemetry']?.['post']?.security).toEqual([{ bearer: [] }]);
  });

  it('answers 401 with an ApiErrorBody for a missing, malformed or unknown token', async () => {
    const missing = await failure(client().listClusters());
    expect(missing.status).toBe(401);
    expect(missing.body).toMatchObject({ statusCode: 401, error: 'Unauthorized' });
    expect(missing.body?.message).toContain('Bearer');
    expect(await status(client('pa_not-a-real-token').listClusters())).toBe(401);
    expect(await status(client(`${ADMIN_TOKEN}x`).listClusters())).toBe(401);
    const basic = await fetch(`${baseUrl}/api/v1/clusters`, {
      headers: { authorization: `Basic ${ADMIN_TOKEN}` },
    });
    expect(basic.status).toBe(401);
    expect(basic.headers.get('www-authenticate')).toMatch(/^Bearer/);
  });

  it('accepts admin tokens from the table and refuses them once revoked or expired', async () => {
    const issued = await admin.createToken({ kind: 'admin', description: 'ops laptop' });
    expect(issued.token).toMatch(/^pa_[A-Za-z0-9_-]{43}$/);
    expect(issued.prefix).toBe(issued.token.slice(0, 8));
    const second = client(issued.token);
    await expect(second.listClusters()).resolves.toBeDefined();
    const listed = (await admin.listTokens()).items.find((t) => t.id === issued.id);
    expect(listed?.lastUsedAt).not.toBeNull();
    expect(listed).not.toHaveProperty('token');

    await admin.revokeToken(issued.id);
    const revoked = await failure(second.listClusters());
    expect(revoked.status).toBe(401);
    expect(revoked.body?.message).toContain('revoked');
    await admin.revokeToken(issued.id); // idempotent
    expect(await status(admin.revokeToken('00000000-0000-4000-8000-000000000000'))).toBe(404);

    const expiring = await admin.createToken({ kind: 'admin', expiresInSeconds: 3600 });
    expect(Date.parse(expiring.expiresAt!)).toBeGreaterThan(Date.now() + 3_500_000);
    await expect(client(expiring.token).listClusters()).resolves.toBeDefined();
    await sql(`UPDATE portico.tokens SET expires_at = now() - interval '1 second' WHERE id = $1`, [
      expiring.id,
    ]);
    const expired = await failure(client(expiring.token).listClusters());
    expect(expired.status).toBe(401);
    expect(expired.body?.message).toContain('expired');
  });

  it('validates token requests: a node token needs a node, a join token a cluster', async () => {
    const noNode = await failure(admin.createToken({ kind: 'node' }));
    expect(noNode.status).toBe(400);
    expect(noNode.body?.fields).toEqual([{ path: 'nodeId', message: 'a node token needs nodeId' }]);
    const noCluster = await failure(admin.createToken({ kind: 'join' }));
    expect(noCluster.body?.fields?.[0]?.path).toBe('clusterId');
    expect(
      await status(admin.createToken({ kind: 'join', clusterId: '00000000-0000-4000-8000-000000000000' })),
    ).toBe(404);
    const badQuery = await failure(admin.listTokens('nope'));
    expect(badQuery.body?.fields).toEqual([{ path: 'clusterId', message: 'must be a UUID' }]);
  });
});

describe('authorisation', () => {
  let clusterA: string;
  let clusterB: string;
  let nodeA: string;
  let nodeB: string;
  let nodeToken: string;
  let joinToken: string;

  beforeAll(async () => {
    clusterA = (await admin.createCluster({ name: 'a' })).id;
    clusterB = (await admin.createCluster({ name: 'b' })).id;
    nodeA = (await admin.createNode(clusterA, { name: 'a1', roles: ['MAIN'] })).id;
    nodeB = (await admin.createNode(clusterB, { name: 'b1', roles: ['MAIN'] })).id;
    const issued = await admin.createToken({ kind: 'node', nodeId: nodeA });
    expect(issued).toMatchObject({ kind: 'node', clusterId: clusterA, nodeId: nodeA });
    nodeToken = issued.token;
    joinToken = (await admin.createToken({ kind: 'join', clusterId: clusterA })).token;
  });

  it('lets a node token read its own cluster, and nothing of another', async () => {
    const node = client(nodeToken);
    await expect(node.getCluster(clusterA)).resolves.toMatchObject({ id: clusterA });
    await expect(node.listNodes(clusterA)).resolves.toMatchObject({ items: [{ id: nodeA }] });
    await expect(node.getNode(nodeA)).resolves.toMatchObject({ id: nodeA });
    await expect(node.clusterStatus(clusterA)).resolves.toMatchObject({ cluster: { id: clusterA } });

    expect(await status(node.getCluster(clusterB))).toBe(403);
    expect(await status(node.listNodes(clusterB))).toBe(403);
    expect(await status(node.getNode(nodeB))).toBe(403);
    expect(await status(node.clusterStatus(clusterB))).toBe(403);
    // An id that does not exist is 403 too for a node, so that ids cannot be probed.
    expect(await status(node.getNode('00000000-0000-4000-8000-000000000000'))).toBe(403);
  });

  it('keeps a node token away from admin routes and other nodes', async () => {
    const node = client(nodeToken);
    expect(await status(node.listClusters())).toBe(403);
    expect(await status(node.createCluster({ name: 'evil' }))).toBe(403);
    expect(await status(node.updateNode(nodeA, { name: 'renamed' }))).toBe(403);
    expect(await status(node.setNodeSetting(nodeA, 'checksum_max_workers', 64))).toBe(403);
    expect(await status(node.createToken({ kind: 'admin' }))).toBe(403);
    expect(await status(node.readLogs(nodeA))).toBe(403);
    expect(
      await status(node.registerNode({ name: 'x', roles: ['MAIN'], app: 'gateway', hostname: 'h' })),
    ).toBe(403);
    const report = telemetryFor(nodeB);
    const forbidden = await failure(node.sendTelemetry(report));
    expect(forbidden.status).toBe(403);
    expect(forbidden.body?.message).toContain('own node');
  });

  it('lets a join token register and nothing else', async () => {
    const join = client(joinToken);
    expect(await status(join.getCluster(clusterA))).toBe(403);
    expect(await status(join.listNodes(clusterA))).toBe(403);
    expect(await status(join.me())).toBe(403);
    expect(await status(join.sendTelemetry(telemetryFor(nodeA)))).toBe(403);
    expect(await status(join.shipLogs({ workerId: nodeA, entries: [] }))).toBe(403);
    expect(await status(join.clusterStatus(clusterA))).toBe(403);
    const bad = await failure(join.registerNode({ name: 'x', roles: [], app: 'gateway', hostname: 'h' }));
    expect(bad.status).toBe(400);
    expect(bad.body?.fields?.[0]?.path).toBe('roles');
    const registered = await join.registerNode({
      name: 'auto',
      roles: ['CHECKSUM'],
      app: 'checksum-worker',
      hostname: 'h1',
    });
    expect(registered.node.clusterId).toBe(clusterA);
  });

  it('refuses an admin token on node-only routes', async () => {
    expect(await status(admin.me())).toBe(403);
    expect(await status(admin.sendTelemetry(telemetryFor(nodeA)))).toBe(403);
  });

  it('invalidates a node token when its node is deleted', async () => {
    const doomed = (await admin.createNode(clusterA, { name: 'doomed', roles: ['MAIN'] })).id;
    const token = (await admin.createToken({ kind: 'node', nodeId: doomed })).token;
    await expect(client(token).me()).resolves.toBeDefined();
    await admin.deleteNode(doomed);
    expect(await status(client(token).me())).toBe(401);
  });

  it('answers a malformed JSON body with a 400 ApiErrorBody', async () => {
    const response = await fetch(`${baseUrl}/api/v1/clusters`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: '{"name":',
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ statusCode: 400, error: 'Bad Request' });
  });

  it('never returned a token secret except at its creation', () => {
    const issuedSecrets = seenBodies.flatMap((body) =>
      [...body.matchAll(/"token":"(p[anj]_[^"]+)"/g)].map((m) => m[1]!),
    );
    expect(issuedSecrets.length).toBeGreaterThan(3);
    for (const secret of issuedSecrets) {
      expect(seenBodies.filter((body) => body.includes(secret))).toHaveLength(1);
    }
    for (const body of seenBodies) expect(body).not.toContain(ADMIN_TOKEN);
    expect(app.stdout.join('\n')).not.toContain(ADMIN_TOKEN);
  });

  it('counts authentication failures by reason at /metrics', async () => {
    const text = await (await fetch(`${baseUrl}/metrics`)).text();
    expect(text).toMatch(/portico_control_plane_auth_failures_total\{[^}]*reason="missing"[^}]*\} [1-9]/);
    expect(text).toMatch(/portico_control_plane_auth_failures_total\{[^}]*reason="forbidden"[^}]*\} [1-9]/);
    expect(text).toMatch(/portico_control_plane_auth_failures_total\{[^}]*reason="revoked"[^}]*\} [1-9]/);
  });
});

function telemetryFor(nodeId: string) {
  return {
    nodeId,
    workerId: '11111111-1111-4111-8111-111111111111',
    app: 'gateway',
    version: '0.1.0',
    status: 'Active' as const,
    roles: ['MAIN' as const],
    leader: { isLeader: false, term: null },
    host: {
      hostname: 'h',
      os: 'linux',
      platform: 'linux',
      arch: 'x64',
      cpus: 4,
      memoryBytes: 1,
      freeMemoryBytes: 1,
      loadAverage: [0, 0, 0],
      uptimeSeconds: 1,
      processRssBytes: 1,
    },
    health: {},
    jobs: {},
    intervalSeconds: 5,
    sentAt: new Date().toISOString(),
  };
}
