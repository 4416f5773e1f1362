// The S3 endpoint goes away in the middle of a multipart upload; the retried upload, by a fresh
// store with its own client and database pool (as another node would run it), sends only the
// parts that were not acknowledged. The endpoint is shared by the whole test run, so it is down
// only from the moment enough parts are recorded until the first attempt has failed.
import { mkdtemp } from 'node:fs/promises';
import path from 'node:path';
import { createPool } from '@portico/db';
import { faults, harness, rejectionOf, useTestDatabase } from '@portico/testing';
import { type Pool } from 'pg';

import { MIB, MultipartStateRepository, ObjectStoreError, S3ObjectStore } from '@portico/object-store';

import {
  countingClient,
  createBucket,
  insertCluster,
  storeConfig,
  storedMd5,
  writeRandomFile,
} from './transfer-fixtures';

const db = useTestDatabase();
const pools: Pool[] = [];
let clusterId: string;
let bucket: string;

const PART = 5 * MIB;
const PARTS = 24;

beforeAll(async () => {
  const pool = createPool(db.url, { max: 2 });
  pools.push(pool);
  clusterId = await insertCluster(pool);
  const { client } = countingClient(storeConfig(harness().s3, 'unused'));
  bucket = await createBucket(client, 'resume');
  client.destroy();
});

afterAll(async () => {
  await Promise.all(pools.map((pool) => pool.end()));
});

/** A node: its own database pool, state repository, S3 client and store. */
function node() {
  const pool = createPool(db.url, { max: 2 });
  pools.push(pool);
  const config = storeConfig(harness().s3, bucket, 'archive');
  const counting = countingClient(config, { maxAttempts: 2 });
  const states = new MultipartStateRepository(pool);
  const store = new S3ObjectStore(config, {
    clusterId,
    states,
    client: counting.client,
    multipartThresholdBytes: PART,
    partSize: { partSize: PART },
    partConcurrency: 2,
    progressIntervalMs: 0,
  });
  return { store, states, ...counting };
}

it('resumes on another node after the endpoint stopped mid-upload, sending only the missing parts', async () => {
  const dir = await mkdtemp(path.join(harness().tmpDir, 'resume-'));
  const file = await writeRandomFile(dir, PARTS * PART - 1234);
  const key = 'originals/big.mov';
  const target = {
    clusterId,
    endpoint: harness().s3.endpoint,
    bucket,
    key: `archive/${key}`,
    checksum: file.md5,
  };

  const first = node();
  let stopping: Promise<void> | undefined;
  const failed = await rejectionOf(
    first.store.upload({
      sourcePath: file.path,
      key,
      checksum: file.md5,
      onProgress: (progress) => {
        if (!stopping && progress.bytesDone >= 3 * PART) stopping = faults.s3.stop();
      },
    }),
    ObjectStoreError,
  ).finally(async () => {
    await stopping;
    await faults.s3.start();
  });

  expect(stopping).toBeDefined();
  expect(failed.permanent).toBe(false);
  expect(failed.kind).toBe('network');
  expect(failed.message).toContain(harness().s3.endpoint);
  const recorded = (await first.states.find(target))?.parts.length ?? 0;
  expect(recorded).toBeGreaterThanOrEqual(3);
  expect(recorded).toBeLessThan(PARTS);
  expect(first.succeeded('UploadPartCommand')).toBe(recorded);
  first.store.close();

  const second = node();
  const result = await second.store.upload({ sourcePath: file.path, key, checksum: file.md5 });

  expect(result).toMatchObject({
    outcome: 'uploaded',
    method: 'multipart',
    partsReused: recorded,
    partsSent: PARTS - recorded,
    verifiedBy: 'etag-md5',
  });
  // Counted on the wire by the second node's client: only the parts never acknowledged.
  expect(second.succeeded('UploadPartCommand')).toBe(PARTS - recorded);
  expect(second.sent('UploadPartCommand')).toBe(PARTS - recorded);
  expect(second.sent('CreateMultipartUploadCommand')).toBe(0);
  expect(await storedMd5(second.client, bucket, `archive/${key}`)).toBe(file.md5.value);
  expect(await second.states.find(target)).toBeNull();
  second.store.close();
});
