// Export to another bucket/prefix, from a local file or from an object, through the verified
// upload path, against the harness's real S3 endpoint.
import { mkdtemp, readdir } from 'node:fs/promises';
import path from 'node:path';
import { createPool } from '@portico/db';
import { harness, useTestDatabase } from '@portico/testing';
import { type Pool } from 'pg';

import {
  MultipartStateRepository,
  MIB,
  type TransferProgress,
  S3ObjectStoreFactory,
  exportFile,
  exportObject,
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
let stores: S3ObjectStoreFactory;
let archiveBucket: string;
let exportBucket: string;
let dir: string;
const admin = () => countingClient(storeConfig(harness().s3, 'unused')).client;

beforeAll(async () => {
  pool = createPool(db.url, { max: 2 });
  const clusterId = await insertCluster(pool);
  stores = new S3ObjectStoreFactory({
    clusterId,
    states: new MultipartStateRepository(pool),
    multipartThresholdBytes: 5 * MIB,
    partSize: { partSize: 5 * MIB },
    progressIntervalMs: 0,
  });
  const client = admin();
  archiveBucket = await createBucket(client, 'archive');
  exportBucket = await createBucket(client, 'export');
  client.destroy();
  dir = await mkdtemp(path.join(harness().tmpDir, 'export-'));
});

afterAll(async () => {
  await pool.end();
});

it('exports a local file without a known checksum: hashed first, then uploaded and verified', async () => {
  const file = await writeRandomFile(dir, 6 * MIB);
  const target = stores.open(storeConfig(harness().s3, exportBucket, 'deliveries/client-a'));

  const result = await exportFile(target, { sourcePath: file.path, key: 'reel.mov' });

  expect(result).toMatchObject({
    bucket: exportBucket,
    key: 'deliveries/client-a/reel.mov',
    checksum: file.md5,
    outcome: 'uploaded',
  });
  const client = admin();
  expect(await storedMd5(client, exportBucket, 'deliveries/client-a/reel.mov')).toBe(file.md5.value);
  client.destroy();
  target.close();
});

it('exports an object of another store through a verified transit copy that is removed afterwards', async () => {
  const file = await writeRandomFile(dir, 11 * MIB);
  const checksum = await file.checksum('sha256');
  const archive = stores.open(storeConfig(harness().s3, archiveBucket, 'originals'));
  await archive.upload({ sourcePath: file.path, key: 'a/b.mov', checksum });
  const target = stores.open(storeConfig(harness().s3, exportBucket, 'deliveries/client-b'));
  const scratchDir = path.join(dir, 'scratch');
  const events: TransferProgress[] = [];

  // No checksum given: the sha256 the archive upload recorded in the object's metadata is used.
  const result = await exportObject(archive, target, {
    sourceKey: 'a/b.mov',
    key: 'b.mov',
    scratchDir,
    onProgress: (event) => events.push(event),
  });

  expect(result).toMatchObject({ key: 'deliveries/client-b/b.mov', checksum, outcome: 'uploaded' });
  expect((await target.stat('b.mov'))?.checksum).toEqual(checksum);
  const client = admin();
  expect(await storedMd5(client, exportBucket, 'deliveries/client-b/b.mov')).toBe(file.md5.value);
  client.destroy();
  expect(await readdir(scratchDir)).toEqual([]);
  expect(events.at(-1)).toMatchObject({ bytesDone: 2 * file.size, bytesTotal: 2 * file.size });
  archive.close();
  target.close();
});
