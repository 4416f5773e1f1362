// Failures a real endpoint produces, classified permanent or retryable, with messages that name
// endpoint and bucket and never a secret.
//
// s3rver checks the access key id of a SigV4 request (an unknown one is answered 403
// InvalidAccessKeyId) but does not verify the signature, so a wrong secret key alone goes
// through. The genuine authentication failure it can produce is an unknown access key, which is
// what these tests use — together with a distinctive secret that must not leak anywhere.
import { mkdtemp } from 'node:fs/promises';
import { createServer } from 'node:net';
import path from 'node:path';
import { createPool } from '@portico/db';
import { harness, rejectionOf, useTestDatabase } from '@portico/testing';
import { type Pool } from 'pg';

import {
  MultipartStateRepository,
  type ObjectStoreConfig,
  ObjectStoreError,
  S3ObjectStore,
} from '@portico/object-store';

import {
  countingClient,
  createBucket,
  insertCluster,
  storeConfig,
  writeRandomFile,
} from './transfer-fixtures';

const SECRET = 'Sup3r-S3cret-Key-do-not-print-42';

const db = useTestDatabase();
let pool: Pool;
let clusterId: string;
let bucket: string;
let dir: string;

beforeAll(async () => {
  pool = createPool(db.url, { max: 2 });
  clusterId = await insertCluster(pool);
  const { client } = countingClient(storeConfig(harness().s3, 'unused'));
  bucket = await createBucket(client, 'errors');
  client.destroy();
  dir = await mkdtemp(path.join(harness().tmpDir, 'errors-'));
});

afterAll(async () => {
  await pool.end();
});

function open(config: ObjectStoreConfig): S3ObjectStore {
  return new S3ObjectStore(config, {
    clusterId,
    states: new MultipartStateRepository(pool),
    clientOptions: { maxAttempts: 1, connectionTimeoutMs: 2000 },
  });
}

function expectNoSecret(error: ObjectStoreError): void {
  expect(error.message).not.toContain(SECRET);
  expect(JSON.stringify(error)).not.toContain(SECRET);
  expect(String(error.stack)).not.toContain(SECRET);
}

describe('refused credentials', () => {
  const wrong = (): ObjectStoreConfig => ({
    ...storeConfig(harness().s3, bucket, 'p'),
    credentials: { accessKeyId: 'NOT-A-KNOWN-KEY', secretAccessKey: SECRET },
  });

  it.each([
    ['check', (store: S3ObjectStore) => store.check()],
    ['stat', (store: S3ObjectStore) => store.stat('a.bin')],
    [
      'download',
      (store: S3ObjectStore) =>
        store.download({
          key: 'a.bin',
          targetPath: path.join(dir, 'never.bin'),
          checksum: { algorithm: 'md5', value: '0'.repeat(32) },
        }),
    ],
  ])('%s fails permanently, naming endpoint and bucket, never the secret', async (_, operation) => {
    const store = open(wrong());
    const error = await rejectionOf(operation(store), ObjectStoreError);
    expect(error.kind).toBe('auth');
    expect(error.permanent).toBe(true);
    expect(error.httpStatus).toBe(403);
    expect(error.message).toContain(harness().s3.endpoint);
    expect(error.message).toContain(`"${bucket}"`);
    expect(error.message).toContain('access key and secret key');
    expectNoSecret(error);
    store.close();
  });

  it('upload fails permanently, never showing the secret', async () => {
    const file = await writeRandomFile(dir, 1024);
    const store = open(wrong());
    const error = await rejectionOf(
      store.upload({ sourcePath: file.path, key: 'a.bin', checksum: file.md5 }),
      ObjectStoreError,
    );
    expect(error.kind).toBe('auth');
    expect(error.permanent).toBe(true);
    expectNoSecret(error);
    store.close();
  });
});

it('reports a missing bucket permanently, naming it and the endpoint', async () => {
  const file = await writeRandomFile(dir, 1024);
  const store = open(storeConfig(harness().s3, 'no-such-bucket-here'));

  const checked = await rejectionOf(store.check(), ObjectStoreError);
  expect(checked.kind).toBe('no-such-bucket');
  expect(checked.permanent).toBe(true);

  // HEAD (the already-uploaded check) cannot tell a missing bucket from a missing key; the
  // PutObject that follows can.
  const uploaded = await rejectionOf(
    store.upload({ sourcePath: file.path, key: 'a.bin', checksum: file.md5 }),
    ObjectStoreError,
  );
  expect(uploaded.kind).toBe('no-such-bucket');
  expect(uploaded.permanent).toBe(true);
  expect(uploaded.message).toContain('"no-such-bucket-here"');
  expect(uploaded.message).toContain(harness().s3.endpoint);
  expect(uploaded.message).toContain('create it');
  store.close();
});

it('reports an endpoint that does not answer as retryable', async () => {
  // A port that was just free and is closed again: connections are refused.
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  const file = await writeRandomFile(dir, 1024);
  const store = open({ ...storeConfig(harness().s3, bucket), endpoint: `http://127.0.0.1:${port}` });

  const error = await rejectionOf(
    store.upload({ sourcePath: file.path, key: 'a.bin', checksum: file.md5 }),
    ObjectStoreError,
  );

  expect(error.kind).toBe('network');
  expect(error.permanent).toBe(false);
  expect(error.code).toBe('ECONNREFUSED');
  expect(error.message).toContain(`http://127.0.0.1:${port}`);
  store.close();
});

it('refuses a config with credentials in the endpoint URL before any request, without echoing them', () => {
  const config = { ...storeConfig(harness().s3, bucket), endpoint: `http://KEY:${SECRET}@127.0.0.1:1` };
  let error: unknown;
  try {
    open(config);
  } catch (caught) {
    error = caught;
  }
  expect(error).toBeInstanceOf(ObjectStoreError);
  expect((error as ObjectStoreError).kind).toBe('invalid-config');
  expectNoSecret(error as ObjectStoreError);
});
