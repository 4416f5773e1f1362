// Uploads against the harness's real S3 endpoint (s3rver) with real files, the multipart state
// in the real database through pgBouncer.
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createPool } from '@portico/db';
import { harness, rejectionOf, useTestDatabase } from '@portico/testing';
import { type Pool } from 'pg';

import {
  type Checksum,
  ObjectStoreError,
  MultipartStateRepository,
  MIB,
  S3ObjectStore,
  type TransferProgress,
} from '@portico/object-store';

import {
  countingClient,
  createBucket,
  insertCluster,
  storeConfig,
  storedMd5,
  writeRandomFile,
} from './transfer-fixtures';

const db = useTestDatabase();
let pool: Pool;
let clusterId: string;
let bucket: string;
let dir: string;
const admin = () => countingClient(storeConfig(harness().s3, 'unused'));

beforeAll(async () => {
  pool = createPool(db.url, { max: 4 });
  clusterId = await insertCluster(pool);
  const { client } = admin();
  bucket = await createBucket(client, 'upload');
  client.destroy();
  dir = await mkdtemp(path.join(harness().tmpDir, 'upload-'));
});

afterAll(async () => {
  await pool.end();
});

/** A store as a node would open it, with its own instrumented client; 5 MiB parts above 5 MiB. */
function openStore(prefix = 'proxies') {
  const counting = countingClient(storeConfig(harness().s3, bucket, prefix));
  const store = new S3ObjectStore(storeConfig(harness().s3, bucket, prefix), {
    clusterId,
    states: new MultipartStateRepository(pool),
    client: counting.client,
    multipartThresholdBytes: 5 * MIB,
    partSize: { partSize: 5 * MIB },
    partConcurrency: 2,
    progressIntervalMs: 0,
  });
  return { store, ...counting };
}

async function recordedParts(key: string, checksum: Checksum): Promise<number | undefined> {
  const state = await new MultipartStateRepository(pool).find({
    clusterId,
    endpoint: harness().s3.endpoint,
    bucket,
    key,
    checksum,
  });
  return state?.parts.length;
}

it('uploads a small file in one verified PutObject, with its checksum in the metadata', async () => {
  const file = await writeRandomFile(dir, 100 * 1024);
  const { store, client, succeeded } = openStore();
  const events: TransferProgress[] = [];

  const result = await store.upload({
    sourcePath: file.path,
    key: 'small/a.bin',
    checksum: file.md5,
    contentType: 'application/octet-stream',
    onProgress: (event) => events.push(event),
  });

  expect(result).toMatchObject({
    bucket,
    key: 'proxies/small/a.bin',
    size: file.size,
    outcome: 'uploaded',
    method: 'single',
    verifiedBy: 'etag-md5',
    partsSent: 1,
  });
  expect(succeeded('PutObjectCommand')).toBe(1);
  expect(await storedMd5(client, bucket, 'proxies/small/a.bin')).toBe(file.md5.value);
  expect(await store.stat('small/a.bin')).toMatchObject({ size: file.size, checksum: file.md5 });
  expect(events.at(-1)).toMatchObject({ bytesDone: file.size, bytesTotal: file.size });
  store.close();
});

it.each(['md5', 'sha256', 'xxh3'] as const)(
  'uploads a multipart file verified end to end (%s source checksum)',
  async (algorithm) => {
    const file = await writeRandomFile(dir, 12 * MIB + 12345);
    const checksum = await file.checksum(algorithm);
    const { store, client, succeeded } = openStore();

    const result = await store.upload({ sourcePath: file.path, key: `multi/${algorithm}.bin`, checksum });

    expect(result).toMatchObject({ outcome: 'uploaded', method: 'multipart', partsSent: 3, partsReused: 0 });
    // s3rver's multipart ETag is the MD5 of the whole object, not AWS's form: an MD5 source is
    // proven by it, any other algorithm by reading the object back.
    expect(result.verifiedBy).toBe(algorithm === 'md5' ? 'etag-md5' : 'read-back');
    expect(succeeded('UploadPartCommand')).toBe(3);
    expect(succeeded('CompleteMultipartUploadCommand')).toBe(1);
    expect(await storedMd5(client, bucket, `proxies/multi/${algorithm}.bin`)).toBe(file.md5.value);
    expect(await recordedParts(`proxies/multi/${algorithm}.bin`, checksum)).toBeUndefined();
    store.close();
  },
);

it('does not send again what an earlier attempt already stored', async () => {
  const file = await writeRandomFile(dir, 7 * MIB);
  await openStore().store.upload({ sourcePath: file.path, key: 'again.bin', checksum: file.md5 });
  const { store, sent } = openStore();

  const result = await store.upload({ sourcePath: file.path, key: 'again.bin', checksum: file.md5 });

  expect(result).toMatchObject({
    outcome: 'already-present',
    method: 'none',
    verifiedBy: 'metadata',
    partsSent: 0,
  });
  expect(sent('PutObjectCommand') + sent('UploadPartCommand') + sent('CreateMultipartUploadCommand')).toBe(0);
  store.close();
});

it.each([
  ['single', 64 * 1024],
  ['multipart', 11 * MIB],
])('refuses a %s upload whose source no longer has its checksum, storing nothing', async (_, size) => {
  const file = await writeRandomFile(dir, size);
  const stale: Checksum = { algorithm: 'md5', value: '0'.repeat(32) };
  const { store } = openStore();

  const error = await rejectionOf(
    store.upload({ sourcePath: file.path, key: `changed-${size}.bin`, checksum: stale }),
    ObjectStoreError,
  );

  expect(error.kind).toBe('source-changed');
  expect(error.permanent).toBe(true);
  expect(error.message).toContain(file.path);
  expect(error.message).toContain(file.md5.value);
  expect(await store.stat(`changed-${size}.bin`)).toBeNull();
  expect(await recordedParts(`proxies/changed-${size}.bin`, stale)).toBeUndefined();
  store.close();
});

it('stops on abort keeping the acknowledged parts, and the next attempt resumes from them', async () => {
  const file = await writeRandomFile(dir, 30 * MIB);
  const controller = new AbortController();
  const first = openStore();

  const error = await rejectionOf(
    first.store.upload({
      sourcePath: file.path,
      key: 'aborted.bin',
      checksum: file.md5,
      signal: controller.signal,
      onProgress: (event) => {
        if (event.bytesDone >= 5 * MIB) controller.abort();
      },
    }),
    ObjectStoreError,
  );
  expect(error.kind).toBe('aborted');
  expect(error.permanent).toBe(false);
  const kept = (await recordedParts('proxies/aborted.bin', file.md5)) ?? 0;
  expect(kept).toBeGreaterThanOrEqual(1);
  expect(kept).toBeLessThan(6);
  expect(await first.store.stat('aborted.bin')).toBeNull();
  first.store.close();

  const second = openStore();
  const result = await second.store.upload({ sourcePath: file.path, key: 'aborted.bin', checksum: file.md5 });
  expect(result).toMatchObject({ outcome: 'uploaded', partsReused: kept, partsSent: 6 - kept });
  expect(second.succeeded('UploadPartCommand')).toBe(6 - kept);
  expect(second.sent('CreateMultipartUploadCommand')).toBe(0);
  expect(await storedMd5(second.client, bucket, 'proxies/aborted.bin')).toBe(file.md5.value);
  second.store.close();
});

it('abandons the unfinished upload of an older version when the source changed', async () => {
  const file = await writeRandomFile(dir, 16 * MIB);
  const oldChecksum = file.md5;
  const controller = new AbortController();
  const first = openStore();
  await rejectionOf(
    first.store.upload({
      sourcePath: file.path,
      key: 'versions.bin',
      checksum: oldChecksum,
      signal: controller.signal,
      onProgress: (event) => {
        if (event.bytesDone >= 5 * MIB) controller.abort();
      },
    }),
    ObjectStoreError,
  );
  expect(await recordedParts('proxies/versions.bin', oldChecksum)).toBeGreaterThanOrEqual(1);
  first.store.close();

  // The file is edited: a new version, with a new checksum, is uploaded to the same key.
  const content = await readFile(file.path);
  content[0] = content[0]! ^ 0xff;
  await writeFile(file.path, content);
  const newChecksum = await file.checksum('md5');
  const second = openStore();

  const result = await second.store.upload({
    sourcePath: file.path,
    key: 'versions.bin',
    checksum: newChecksum,
  });

  expect(result).toMatchObject({ outcome: 'uploaded', partsReused: 0, partsSent: 4 });
  expect(await recordedParts('proxies/versions.bin', oldChecksum)).toBeUndefined();
  expect(await storedMd5(second.client, bucket, 'proxies/versions.bin')).toBe(newChecksum.value);
  second.store.close();
});
