import { ControlPlaneClient, ControlPlaneError, type Cluster } from '@portico/control-plane-client';
import { type AppProcess, harness, rejectionOf, startApp, useTestDatabase, waitFor } from '@portico/testing';
import Redis from 'ioredis';
import { settingsChannel } from './settings/settings-broadcast.adapter';

// Clusters, nodes, settings layers, registration with a join token, GET /nodes/me and the
// settings broadcast, through the typed client against a real server over real pgBouncer.
const ADMIN_TOKEN = 'medium-admin-token-clusters-0123456789';
const DB_URI = 'postgres://portico:s3cret-pa55@db.example:6432/portico';

const db = useTestDatabase();
const started: AppProcess[] = [];
let server: { baseUrl: string };

/** The built control-plane app on a free port (run `npm run build` first). */
async function startControlPlane(env: NodeJS.ProcessEnv): Promise<{ baseUrl: string }> {
  const app = startApp('control-plane', {
    env: {
      PORTICO_HTTP_HOST: '127.0.0.1',
      PORTICO_HTTP_PORT: '0',
      PORTICO_DATABASE_URL: db.url,
      PORTICO_ADMIN_TOKEN: ADMIN_TOKEN,
      ...env,
    },
  });
  started.push(app);
  const line = await app.waitForLine(/listening on http:/, 60_000);
  return { baseUrl: (JSON.parse(line) as { url: string }).url };
}
let admin: ControlPlaneClient;
/** Every response body the tests saw, to prove secrets never leave except where allowed. */
const seenBodies: string[] = [];

beforeAll(async () => {
  server = await startControlPlane({ PORTICO_REDIS_URL: harness().redisUrl });
  const recordingFetch: typeof fetch = async (input, init) => {
    const response = await fetch(input, init);
    seenBodies.push(await response.clone().text());
    return response;
  };
  admin = new ControlPlaneClient({ baseUrl: server.baseUrl, token: ADMIN_TOKEN, fetch: recordingFetch });
});
afterAll(async () => {
  await Promise.all(started.map((app) => app.stop()));
});

const failure = (promise: Promise<unknown>): Promise<ControlPlaneError> =>
  rejectionOf(promise, ControlPlaneError);

describe('clusters', () => {
  let cluster: Cluster;

  it('creates, lists, gets, renames and deletes', async () => {
    cluster = await admin.createCluster({ name: 'post-house', settings: { checksum_max_workers: '6' } });
    expect(cluster).toMatchObject({
      name: 'post-house',
      settings: { checksum_max_workers: 6 },
      settingsVersion: 1,
    });
    expect((await admin.listClusters()).items.map((c) => c.id)).toContain(cluster.id);
    expect(await admin.getCluster(cluster.id)).toEqual(cluster);

    const renamed = await admin.updateCluster(cluster.id, { name: 'post-house-2' });
    expect(renamed).toMatchObject({ name: 'post-house-2', settingsVersion: 2 });
    // The same name again changes nothing, so the version stays.
    expect((await admin.updateCluster(cluster.id, { name: 'post-house-2' })).settingsVersion).toBe(2);

    const doomed = await admin.createCluster({ name: 'doomed' });
    await admin.deleteCluster(doomed.id);
    expect((await failure(admin.getCluster(doomed.id))).status).toBe(404);
    expect((await failure(admin.deleteCluster(doomed.id))).status).toBe(404);
  });

  it('refuses a duplicate name with 409 and bad input with 400 naming the fields', async () => {
    const duplicate = await failure(admin.createCluster({ name: 'post-house-2' }));
    expect(duplicate.status).toBe(409);
    expect(duplicate.body?.message).toContain('post-house-2');

    const bad = await failure(
      admin.createCluster({ name: '', settings: { checksum_max_workers: 0, nope: 1 } }),
    );
    expect(bad.status).toBe(400);
    expect(new Set(bad.body?.fields?.map((f) => f.path))).toEqual(new Set(['name']));

    const badSettings = await failure(
      admin.createCluster({ name: 'x', settings: { checksum_max_workers: 0, nope: 1 } }),
    );
    expect(badSettings.status).toBe(400);
    expect(badSettings.body?.fields).toEqual([
      {
        path: 'settings.checksum_max_workers',
        message: expect.stringContaining('must be at least 1') as unknown,
      },
      { path: 'settings.nope', message: expect.stringContaining('unknown setting "nope"') as unknown },
    ]);

    const badId = await failure(admin.getCluster('not-a-uuid'));
    expect(badId.status).toBe(400);
    expect(badId.body?.fields).toEqual([{ path: 'id', message: 'must be a UUID' }]);

    const extra = await failure(admin.updateCluster(cluster.id, { name: 'y', colour: 'red' } as never));
    expect(extra.status).toBe(400);
    expect(extra.body?.fields?.[0]?.message).toMatch(/colour/);
  });

  it('sets, validates and unsets cluster settings, masking db_connection_uri for admins', async () => {
    const before = (await admin.getCluster(cluster.id)).settingsVersion;
    const set = await admin.setClusterSetting(cluster.id, 'db_connection_uri', DB_URI);
    expect(set.settings['db_connection_uri']).toBe('postgres://portico:****@db.example:6432/portico');
    expect((await admin.getCluster(cluster.id)).settingsVersion).toBe(before + 1);
    expect((await admin.getClusterSettings(cluster.id)).settings['db_connection_uri']).toMatch(/\*\*\*\*/);
    expect(
      (await admin.listClusters()).items.find((c) => c.id === cluster.id)?.settings['db_connection_uri'],
    ).toMatch(/\*\*\*\*/);

    // Writing the same value again is not a change.
    await admin.setClusterSetting(cluster.id, 'db_connection_uri', DB_URI);
    expect((await admin.getCluster(cluster.id)).settingsVersion).toBe(before + 1);

    const outOfRange = await failure(admin.setClusterSetting(cluster.id, 'visibility_timeout', 5));
    expect(outOfRange.status).toBe(400);
    expect(outOfRange.body?.fields?.[0]).toEqual({
      path: 'value',
      message: expect.stringMatching(/visibility_timeout.*cluster settings.*at least 10/) as unknown,
    });
    const unknown = await failure(admin.setClusterSetting(cluster.id, 'checksum_max_worker', 2));
    expect(unknown.body?.fields?.[0]?.message).toContain('unknown setting "checksum_max_worker"');
    const missing = await failure(admin.setClusterSetting(cluster.id, 'visibility_timeout', null));
    expect(missing.status).toBe(400);

    await admin.setClusterSetting(cluster.id, 'visibility_timeout', '120');
    expect((await admin.getClusterSettings(cluster.id)).settings['visibility_timeout']).toBe(120);
    const unset = await admin.deleteClusterSetting(cluster.id, 'visibility_timeout');
    expect(unset.settings).not.toHaveProperty('visibility_timeout');
    expect(
      (
        await failure(
          admin.setClusterSetting('00000000-0000-4000-8000-000000000000', 'visibility_timeout', 60),
        )
      ).status,
    ).toBe(404);
  });

  it('never returns the database password to an admin', () => {
    for (const body of seenBodies) expect(body).not.toContain('s3cret-pa55');
  });
});

describe('nodes', () => {
  let cluster: Cluster;
  beforeAll(async () => {
    cluster = await admin.createCluster({ name: 'nodes-cluster', settings: { db_connection_uri: DB_URI } });
  });

  it('creates, lists, gets, patches and deletes nodes', async () => {
    const a = await admin.createNode(cluster.id, {
      name: 'edit-bay-1',
      roles: ['MAIN', 'CHECKSUM'],
      settings: { checksum_max_workers: 3 },
      mountPoint: '/mnt/nas',
      primary: true,
    });
    expect(a).toMatchObject({
      clusterId: cluster.id,
      name: 'edit-bay-1',
      roles: ['MAIN', 'CHECKSUM'],
      settings: { checksum_max_workers: 3 },
      mountPoint: '/mnt/nas',
      primary: true,
      status: 'Offline',
      lastSeenAt: null,
      lastTelemetry: null,
    });
    const b = await admin.createNode(cluster.id, { name: 'edit-bay-2', roles: ['TRANSCODE'] });
    expect((await admin.listNodes(cluster.id)).items.map((n) => n.name)).toEqual([
      'edit-bay-1',
      'edit-bay-2',
    ]);
    expect(await admin.getNode(a.id)).toEqual(a);

    // One primary per cluster: making b primary takes the flag from a.
    const patched = await admin.updateNode(b.id, {
      primary: true,
      mountPoint: '/Volumes/nas',
      roles: ['TRANSCODE', 'TRANSFER'],
    });
    expect(patched).toMatchObject({
      primary: true,
      mountPoint: '/Volumes/nas',
      roles: ['TRANSCODE', 'TRANSFER'],
    });
    expect((await admin.getNode(a.id)).primary).toBe(false);
    expect((await admin.updateNode(b.id, { mountPoint: null })).mountPoint).toBeNull();

    expect(
      (await failure(admin.createNode(cluster.id, { name: 'edit-bay-1', roles: ['MAIN'] }))).status,
    ).toBe(409);
    const badRoles = await failure(admin.updateNode(a.id, { roles: ['MAIN', 'COFFEE'] } as never));
    expect(badRoles.body?.fields?.[0]?.path).toBe('roles.1');
    expect(
      (
        await failure(
          admin.createNode('00000000-0000-4000-8000-000000000000', { name: 'x', roles: ['MAIN'] }),
        )
      ).status,
    ).toBe(404);

    await admin.deleteNode(b.id);
    expect((await failure(admin.getNode(b.id))).status).toBe(404);
  });

  it('keeps cluster-only keys out of the node layer', async () => {
    const node = await admin.createNode(cluster.id, { name: 'layer-check', roles: ['CHECKSUM'] });
    const refused = await failure(admin.setNodeSetting(node.id, 'db_connection_uri', DB_URI));
    expect(refused.status).toBe(400);
    expect(refused.body?.fields?.[0]?.message).toContain('cluster-only');
    const onCreate = await failure(
      admin.createNode(cluster.id, {
        name: 'layer-check-2',
        roles: ['MAIN'],
        settings: { visibility_timeout: 60 },
      }),
    );
    expect(onCreate.body?.fields?.[0]?.path).toBe('settings.visibility_timeout');

    expect((await admin.setNodeSetting(node.id, 'checksum_algorithms', 'MD5, sha256')).settings).toEqual({
      checksum_algorithms: ['md5', 'sha256'],
    });
    expect((await admin.getNodeSettings(node.id)).settings).toEqual({
      checksum_algorithms: ['md5', 'sha256'],
    });
    expect((await admin.deleteNodeSetting(node.id, 'checksum_algorithms')).settings).toEqual({});
  });
});

describe('registration and GET /nodes/me', () => {
  it('registers with a join token; the node token reads /nodes/me with the URI in clear, 304 until a change', async () => {
    const cluster = await admin.createCluster({ name: 'scaled', settings: { db_connection_uri: DB_URI } });
    const join = await admin.createToken({
      kind: 'join',
      clusterId: cluster.id,
      description: 'compose scale',
    });
    expect(join.token).toMatch(/^pj_[A-Za-z0-9_-]{43}$/);
    const joiner = new ControlPlaneClient({ baseUrl: server.baseUrl, token: join.token });

    const body = {
      name: 'transcode',
      roles: ['TRANSCODE'] as const,
      app: 'transcode-worker',
      hostname: 'host-a',
    };
    const first = await joiner.registerNode({ ...body, roles: ['TRANSCODE'] });
    const second = await joiner.registerNode({ ...body, roles: ['TRANSCODE'] });
    expect(first.node.name).toBe('transcode');
    expect(second.node.name).toBe('transcode-2');
    expect(first.token).toMatch(/^pn_[A-Za-z0-9_-]{43}$/);
    expect(first.token).not.toBe(second.token);

    const node = joiner.withToken(first.token);
    const me = await node.me();
    expect(me?.node.id).toBe(first.node.id);
    expect(me?.cluster.settings['db_connection_uri']).toBe(DB_URI);
    expect(me?.version).toBe(`${cluster.settingsVersion}.1`);
    expect(await node.me(me!.version)).toBeUndefined();

    // A cluster setting change, then a node setting change, each move the version.
    await admin.setClusterSetting(cluster.id, 'scan_interval_seconds', 30);
    const afterCluster = await node.me(me!.version);
    expect(afterCluster?.version).toBe(`${cluster.settingsVersion + 1}.1`);
    expect(afterCluster?.cluster.settings['scan_interval_seconds']).toBe(30);
    expect(await node.me(afterCluster!.version)).toBeUndefined();

    await admin.setNodeSetting(first.node.id, 'max_transcoding_jobs', 2);
    const afterNode = await node.me(afterCluster!.version);
    expect(afterNode?.version).toBe(`${cluster.settingsVersion + 1}.2`);
    expect(afterNode?.node.settings).toEqual({ max_transcoding_jobs: 2 });

    await admin.updateNode(first.node.id, { mountPoint: '/srv/nas' });
    expect((await node.me(afterNode!.version))?.node.mountPoint).toBe('/srv/nas');

    // The raw answer carries the ETag and honours a weak validator and lists.
    const raw = await fetch(`${server.baseUrl}/api/v1/nodes/me`, {
      headers: {
        authorization: `Bearer ${first.token}`,
        'if-none-match': `"0.0", W/"${(await node.me())!.version}"`,
      },
    });
    expect(raw.status).toBe(304);
    expect(raw.headers.get('etag')).toMatch(/^"\d+\.\d+"$/);
  });
});

describe('settings broadcast', () => {
  it('publishes the new version on Redis after a cluster or node settings change', async () => {
    const cluster = await admin.createCluster({ name: 'broadcast' });
    const node = await admin.createNode(cluster.id, { name: 'n1', roles: ['CHECKSUM'] });
    const subscriber = new Redis(harness().redisUrl);
    const messages: Array<{ channel: string; message: string }> = [];
    try {
      subscriber.on('message', (channel: string, message: string) => messages.push({ channel, message }));
      await subscriber.subscribe(settingsChannel(cluster.id));

      await admin.setClusterSetting(cluster.id, 'checksum_max_workers', 8);
      await waitFor(() => messages.length >= 1, { description: 'a settings message on Redis' });
      expect(messages[0]).toEqual({
        channel: `portico:settings:${cluster.id}`,
        message: JSON.stringify({ version: '2' }),
      });

      await admin.setNodeSetting(node.id, 'checksum_max_workers', 4);
      await waitFor(() => messages.length >= 2, { description: 'a node settings message on Redis' });
      expect(JSON.parse(messages[1]!.message)).toEqual({ version: '2.2', nodeId: node.id });

      // An unchanged value publishes nothing: the next message is the next real change.
      await admin.setClusterSetting(cluster.id, 'checksum_max_workers', 8);
      await admin.deleteClusterSetting(cluster.id, 'checksum_max_workers');
      await waitFor(() => messages.length >= 3, { description: 'the unset on Redis' });
      expect(messages.slice(2).map((m) => m.message)).toEqual([JSON.stringify({ version: '3' })]);
    } finally {
      subscriber.disconnect();
    }
  });

  it('keeps answering when Redis is unreachable', async () => {
    const offline = await startControlPlane({ PORTICO_REDIS_URL: 'redis://127.0.0.1:1' });
    const client = new ControlPlaneClient({ baseUrl: offline.baseUrl, token: ADMIN_TOKEN });
    const cluster = await client.createCluster({ name: 'no-redis' });
    const result = await client.setClusterSetting(cluster.id, 'checksum_max_workers', 3);
    expect(result.settings).toEqual({ checksum_max_workers: 3 });
  });
});
