// Storages and object stores through the typed client against the built control plane over real
// pgBouncer: validation, access rules, the masking of secrets, and the node's own view with its
// credentials (GET /nodes/me/storage).
import { randomUUID } from 'node:crypto';

import { CatalogRepository } from '@portico/catalog';
import {
  type Cluster,
  ControlPlaneClient,
  ControlPlaneError,
  type NodeStorageView,
  resolveObjectStoreCredentials,
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

const SECRET_KEY = 'medium-spec-secret-key-0123456789abcdef';
const S3_SECRET = 'wJalrXUtnFEMI-K7MDENG-bPxRfiCYEXAMPLEKEY';
const OTHER_SECRET = 'second-secret-4f9d2c7b1a6e';

const db = useTestDatabase();
let keyed: ControlPlaneHandle;
let keyless: ControlPlaneHandle;
let admin: ControlPlaneClient;
let pool: Pool;
/** Every response body an admin saw, to prove secrets never leave except to nodes. */
const adminBodies: string[] = [];

beforeAll(async () => {
  [keyed, keyless] = await Promise.all([
    startControlPlane({
      databaseUrl: db.url,
      env: { PORTICO_HTTP_HOST: '127.0.0.1', PORTICO_SECRET_KEY: SECRET_KEY },
    }),
    startControlPlane({ databaseUrl: db.url, env: { PORTICO_HTTP_HOST: '127.0.0.1' } }),
  ]);
  const recordingFetch: typeof fetch = async (input, init) => {
    const response = await fetch(input, init);
    adminBodies.push(await response.clone().text());
    return response;
  };
  admin = new ControlPlaneClient({ baseUrl: keyed.url, token: keyed.adminToken, fetch: recordingFetch });
  pool = createPool(db.url, { max: 2 });
});

afterAll(async () => {
  await Promise.all([keyed?.process.stop(), keyless?.process.stop()]);
  await pool?.end();
});

const failure = (promise: Promise<unknown>): Promise<ControlPlaneError> =>
  rejectionOf(promise, ControlPlaneError);
const fieldsOf = async (promise: Promise<unknown>) => {
  const error = await failure(promise);
  expect(error.status).toBe(400);
  return [...new Set(error.body?.fields?.map((f) => f.path))];
};

const s3 = {
  endpoint: 'http://127.0.0.1:9000',
  bucket: 'media-proxies',
  accessKeyId: 'AKIAEXAMPLE',
};

describe('storages', () => {
  let cluster: Cluster;

  beforeAll(async () => {
    cluster = await admin.createCluster({ name: 'storage-house' });
  });

  it('creates the one storage of a cluster, reads, patches and deletes it', async () => {
    const storage = await admin.createStorage(cluster.id, {
      name: 'nas',
      mountPoint: '/mnt/nas',
      scanDirectories: ['Projects', 'Incoming/Cam A', 'Projects'],
      ignorePatterns: ['*.tmp'],
    });
    expect(storage).toMatchObject({
      clusterId: cluster.id,
      name: 'nas',
      mountPoint: '/mnt/nas',
      scanDirectories: ['Projects', 'Incoming/Cam A'],
      ignorePatterns: ['*.tmp'],
      growingFilesThresholdSeconds: null,
      deletePolicy: 'storage-only',
    });
    const second = await failure(admin.createStorage(cluster.id, { name: 'another' }));
    expect(second.status).toBe(409);
    expect(second.body?.message).toMatch(/one cluster serves one storage/);
    expect((await admin.listStorages(cluster.id)).items).toEqual([storage]);
    expect(await admin.getStorage(storage.id)).toEqual(storage);

    const patched = await admin.updateStorage(storage.id, {
      growingFilesThresholdSeconds: 30,
      ignorePatterns: null,
      deletePolicy: 'forbid',
    });
    expect(patched).toMatchObject({
      growingFilesThresholdSeconds: 30,
      ignorePatterns: null,
      deletePolicy: 'forbid',
    });
    expect(patched.updatedAt >= storage.updatedAt).toBe(true);
    const unchanged = await admin.updateStorage(storage.id, { deletePolicy: 'forbid' });
    expect(unchanged.updatedAt).toBe(patched.updatedAt);

    await admin.deleteStorage(storage.id);
    expect((await failure(admin.getStorage(storage.id))).status).toBe(404);
    expect((await failure(admin.createStorage(randomUUID(), { name: 'x' }))).status).toBe(404);
  });

  it('refuses bad storage fields, naming each', async () => {
    expect(
      await fieldsOf(
        admin.createStorage(cluster.id, {
          name: '',
          mountPoint: 'relative',
          scanDirectories: ['/abs', 'a/../b', 'ok'],
          growingFilesThresholdSeconds: -1,
          deletePolicy: 'sometimes' as never,
        }),
      ),
    ).toEqual([
      'name',
      'mountPoint',
      'scanDirectories.0',
      'scanDirectories.1',
      'growingFilesThresholdSeconds',
      'deletePolicy',
    ]);
    expect(await fieldsOf(admin.updateStorage(randomUUID(), { colour: 'red' } as never))).toEqual(['(body)']);
  });

  it('refuses to delete a storage that still has assets in the catalog', async () => {
    const busy = await admin.createCluster({ name: 'busy-house' });
    const storage = await admin.createStorage(busy.id, { name: 'nas' });
    await new CatalogRepository().ingest(pool, busy.id, storage.id, {
      path: 'a.mov',
      size: 1,
      mtime: new Date(),
    });
    const refused = await failure(admin.deleteStorage(storage.id));
    expect(refused.status).toBe(409);
    expect(refused.body?.message).toMatch(/still has assets/);
    // Deleting the cluster drops its catalog with it.
    await admin.deleteCluster(busy.id);
    expect((await failure(admin.getStorage(storage.id))).status).toBe(404);
  });
});

describe('object stores', () => {
  let cluster: Cluster;

  beforeAll(async () => {
    cluster = await admin.createCluster({ name: 'object-house' });
  });

  it('stores the secret encrypted or as a reference and never returns it to an admin', async () => {
    const proxy = await admin.createObjectStore(cluster.id, {
      name: 'proxies',
      purpose: 'proxy',
      ...s3,
      prefix: 'portico/proxies/',
      pathStyle: true,
      secretAccessKey: S3_SECRET,
    });
    expect(proxy).toMatchObject({
      purpose: 'proxy',
      region: 'us-east-1',
      prefix: 'portico/proxies',
      pathStyle: true,
      accessKeyId: 'AKIAEXAMPLE',
      secret: { kind: 'encrypted' },
    });
    const archive = await admin.createObjectStore(cluster.id, {
      name: 'vault',
      purpose: 'archive',
      ...s3,
      bucket: 'media-archive',
      secretAccessKeyRef: 'env:ARCHIVE_SECRET',
    });
    expect(archive.secret).toEqual({ kind: 'reference', reference: 'env:ARCHIVE_SECRET' });

    expect((await admin.listObjectStores(cluster.id)).items.map((s) => s.name)).toEqual(['vault', 'proxies']);
    expect(await admin.getObjectStore(proxy.id)).toEqual(proxy);
    const rotated = await admin.updateObjectStore(proxy.id, {
      secretAccessKey: OTHER_SECRET,
      region: 'eu-west-1',
    });
    expect(rotated).toMatchObject({ region: 'eu-west-1', secret: { kind: 'encrypted' } });

    const { rows } = await pool.query<{ secret_encrypted: string }>(
      'SELECT secret_encrypted FROM portico.object_stores WHERE id = $1',
      [proxy.id],
    );
    expect(rows[0]?.secret_encrypted).toMatch(/^v1\./);
    expect(rows[0]?.secret_encrypted).not.toContain(OTHER_SECRET);
    for (const body of adminBodies) {
      expect(body).not.toContain(S3_SECRET);
      expect(body).not.toContain(OTHER_SECRET);
    }
  });

  it('refuses a second proxy or archive store, a duplicate name and bad fields', async () => {
    const again = await failure(
      admin.createObjectStore(cluster.id, {
        name: 'proxies-2',
        purpose: 'proxy',
        ...s3,
        secretAccessKey: 'x',
      }),
    );
    expect(again.status).toBe(409);
    expect(again.body?.message).toMatch(/has a proxy store already/);
    const duplicate = await failure(
      admin.createObjectStore(cluster.id, { name: 'vault', purpose: 'export', ...s3, secretAccessKey: 'x' }),
    );
    expect(duplicate.status).toBe(409);
    expect(duplicate.body?.message).toContain('"vault"');
    // Several export stores are fine.
    await admin.createObjectStore(cluster.id, {
      name: 'delivery-1',
      purpose: 'export',
      ...s3,
      secretAccessKey: 'x',
    });
    await admin.createObjectStore(cluster.id, {
      name: 'delivery-2',
      purpose: 'export',
      ...s3,
      secretAccessKey: 'x',
    });

    const bad = await failure(
      admin.createObjectStore(cluster.id, {
        name: 'bad',
        purpose: 'export',
        endpoint: 'http://user:pw@s3.example.com',
        bucket: 'Bad_Bucket',
        prefix: '../up',
        accessKeyId: 'has space',
        secretAccessKey: 'x',
        secretAccessKeyRef: 'env:X',
      }),
    );
    expect(bad.status).toBe(400);
    expect(bad.body?.fields).toEqual([
      { path: 'endpoint', message: expect.stringMatching(/must not carry credentials/) as unknown },
      { path: 'bucket', message: expect.stringMatching(/lower-case/) as unknown },
      { path: 'prefix', message: expect.stringMatching(/relative/) as unknown },
      { path: 'accessKeyId', message: 'must not contain spaces' },
      {
        path: 'secretAccessKey',
        message: expect.stringMatching(/exactly one of secretAccessKey/) as unknown,
      },
    ]);
    // The echo of a bad request never carries the secret or the credentials of the URL either.
    expect(JSON.stringify(bad.body)).not.toContain('pw@');
    expect(
      await fieldsOf(
        admin.createObjectStore(cluster.id, { name: 'b', purpose: 'export', ...s3, endpoint: 'ftp://x' }),
      ),
    ).toEqual(['endpoint', 'secretAccessKey']);
    expect(
      await fieldsOf(
        admin.createObjectStore(cluster.id, {
          name: 'b',
          purpose: 'export',
          ...s3,
          endpoint: 'https://s3.example.com/?x=1',
          secretAccessKeyRef: 'env:1BAD',
        }),
      ),
    ).toEqual(['endpoint', 'secretAccessKeyRef']);
  });

  it('needs a secret-key on the control plane to store a secret itself', async () => {
    const keylessAdmin = new ControlPlaneClient({ baseUrl: keyless.url, token: keyless.adminToken });
    const refused = await failure(
      keylessAdmin.createObjectStore(cluster.id, {
        name: 'k',
        purpose: 'export',
        ...s3,
        secretAccessKey: 'x',
      }),
    );
    expect(refused.status).toBe(400);
    expect(refused.body?.fields?.[0]).toEqual({
      path: 'secretAccessKey',
      message: expect.stringMatching(/no secret-key \(PORTICO_SECRET_KEY\).*env:NAME/) as unknown,
    });
    const byReference = await keylessAdmin.createObjectStore(cluster.id, {
      name: 'k',
      purpose: 'export',
      ...s3,
      secretAccessKeyRef: 'env:K_SECRET',
    });
    await keylessAdmin.deleteObjectStore(byReference.id);
    expect((await failure(keylessAdmin.getObjectStore(byReference.id))).status).toBe(404);
  });
});

describe('the node view: GET /nodes/me/storage', () => {
  it('gives the node its storage and credentials (clear or env:NAME), 304 until something changes', async () => {
    const cluster = await admin.createCluster({ name: 'view-house' });
    const identity = await createNodeIdentity(admin, cluster.id, 'worker-1', ['TRANSFER']);
    const node = new ControlPlaneClient({ baseUrl: keyed.url, token: identity.token });

    const empty = await node.myStorage();
    expect(empty).toMatchObject({ storage: null, objectStores: [] });

    const storage = await admin.createStorage(cluster.id, { name: 'nas', growingFilesThresholdSeconds: 20 });
    const proxy = await admin.createObjectStore(cluster.id, {
      name: 'proxies',
      purpose: 'proxy',
      ...s3,
      secretAccessKey: S3_SECRET,
    });
    await admin.createObjectStore(cluster.id, {
      name: 'vault',
      purpose: 'archive',
      ...s3,
      accessKeyId: 'env:VAULT_KEY_ID',
      secretAccessKeyRef: 'env:VAULT_SECRET',
    });
    const view = (await node.myStorage(empty!.version)) as NodeStorageView;
    expect(view.version).not.toBe(empty!.version);
    expect(view.storage).toEqual(storage);
    const [vault, proxies] = view.objectStores;
    expect(proxies).toMatchObject({ id: proxy.id, secretAccessKey: S3_SECRET, secretAccessKeyRef: null });
    expect(vault).toMatchObject({ secretAccessKey: null, secretAccessKeyRef: 'env:VAULT_SECRET' });
    expect(resolveObjectStoreCredentials(vault!, { VAULT_KEY_ID: 'AK2', VAULT_SECRET: 'S2' })).toEqual({
      accessKeyId: 'AK2',
      secretAccessKey: 'S2',
    });
    expect(() => resolveObjectStoreCredentials(vault!, {})).toThrow(
      /"vault".*env:VAULT_KEY_ID.*VAULT_KEY_ID is not set/,
    );

    expect(await node.myStorage(view.version)).toBeUndefined();
    await admin.updateStorage(storage.id, { scanDirectories: ['Projects'] });
    const changed = await node.myStorage(view.version);
    expect(changed?.storage?.scanDirectories).toEqual(['Projects']);

    // A control plane without the key that sealed the secret says which store it cannot open.
    const keylessNode = new ControlPlaneClient({ baseUrl: keyless.url, token: identity.token });
    const unusable = await failure(keylessNode.myStorage());
    expect(unusable.status).toBe(503);
    expect(unusable.body?.message).toMatch(/"proxies".*sealed with secret-key \w+.*no secret-key/);

    // Only node tokens have a view; admins get 403, and other clusters' stores never show.
    expect((await failure(admin.myStorage())).status).toBe(403);
    const other = await admin.createCluster({ name: 'view-house-2' });
    const stranger = await createNodeIdentity(admin, other.id, 'worker-9', ['TRANSFER']);
    const strangerView = await new ControlPlaneClient({
      baseUrl: keyed.url,
      token: stranger.token,
    }).myStorage();
    expect(strangerView).toMatchObject({ storage: null, objectStores: [] });
  });

  it('lets a node token read its own cluster’s storage and stores (masked) but change nothing, nor other clusters', async () => {
    const cluster = await admin.createCluster({ name: 'member-house' });
    const storage = await admin.createStorage(cluster.id, { name: 'nas' });
    const store = await admin.createObjectStore(cluster.id, {
      name: 'p',
      purpose: 'proxy',
      ...s3,
      secretAccessKey: S3_SECRET,
    });
    const identity = await createNodeIdentity(admin, cluster.id, 'reader', ['MAIN']);
    const node = new ControlPlaneClient({ baseUrl: keyed.url, token: identity.token });
    expect((await node.listStorages(cluster.id)).items).toEqual([storage]);
    expect((await node.getObjectStore(store.id)).secret).toEqual({ kind: 'encrypted' });
    expect((await failure(node.updateStorage(storage.id, { name: 'mine' }))).status).toBe(403);
    expect(
      (
        await failure(
          node.createObjectStore(cluster.id, { name: 'q', purpose: 'export', ...s3, secretAccessKey: 'x' }),
        )
      ).status,
    ).toBe(403);

    const other = await admin.createCluster({ name: 'member-house-2' });
    expect((await failure(node.listObjectStores(other.id))).status).toBe(403);
    expect((await failure(node.getStorage(randomUUID()))).status).toBe(403);
    const anonymous = new ControlPlaneClient({ baseUrl: keyed.url });
    expect((await failure(anonymous.listStorages(cluster.id))).status).toBe(401);
  });
});
