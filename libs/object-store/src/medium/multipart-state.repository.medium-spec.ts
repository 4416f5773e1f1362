// The multipart state against real PostgreSQL through pgBouncer (transaction mode).
import { createPool } from '@portico/db';
import { rejectionOf, useTestDatabase } from '@portico/testing';
import { type Pool } from 'pg';

import {
  MultipartStateGoneError,
  MultipartStateRepository,
  type MultipartTarget,
} from '@portico/object-store';

import { insertCluster } from './transfer-fixtures';

const db = useTestDatabase();
let pool: Pool;
let otherPool: Pool;
let clusterId: string;

beforeAll(async () => {
  pool = createPool(db.url, { max: 4 });
  otherPool = createPool(db.url, { max: 4 });
  clusterId = await insertCluster(pool);
});

afterAll(async () => {
  await pool.end();
  await otherPool.end();
});

const md5 = (digit: string) => digit.repeat(32);

function target(key: string, value = md5('a')): MultipartTarget {
  return {
    clusterId,
    endpoint: 'http://127.0.0.1:9',
    bucket: 'media',
    key,
    checksum: { algorithm: 'md5', value },
  };
}

it('records an upload and its parts, and another node finds them', async () => {
  const mine = new MultipartStateRepository(pool);
  const theirs = new MultipartStateRepository(otherPool);
  const t = target('round-trip.mov');
  expect(await theirs.find(t)).toBeNull();

  const { state, created } = await mine.begin(t, {
    uploadId: 'up-1',
    partSize: 5 << 20,
    totalSize: 12 << 20,
  });
  expect(created).toBe(true);
  await mine.recordPart(state.id, { partNumber: 2, size: 5 << 20, etag: `"${md5('2')}"`, md5: md5('2') });
  await mine.recordPart(state.id, { partNumber: 1, size: 5 << 20, etag: `"${md5('1')}"`, md5: md5('1') });
  // Re-sending a part replaces its record.
  await mine.recordPart(state.id, { partNumber: 2, size: 5 << 20, etag: `"${md5('3')}"`, md5: md5('3') });

  expect(await theirs.find(t)).toEqual({
    id: state.id,
    uploadId: 'up-1',
    partSize: 5 << 20,
    totalSize: 12 << 20,
    parts: [
      { partNumber: 1, size: 5 << 20, etag: `"${md5('1')}"`, md5: md5('1') },
      { partNumber: 2, size: 5 << 20, etag: `"${md5('3')}"`, md5: md5('3') },
    ],
  });

  await theirs.remove(state.id);
  expect(await mine.find(t)).toBeNull();
  const parts = await pool.query(
    'SELECT 1 FROM portico.multipart_upload_parts WHERE multipart_upload_id = $1',
    [state.id],
  );
  expect(parts.rowCount).toBe(0);
});

it('lets exactly one of two racing attempts record a new upload', async () => {
  const t = target('race.mov');
  const [a, b] = await Promise.all([
    new MultipartStateRepository(pool).begin(t, { uploadId: 'up-a', partSize: 5 << 20, totalSize: 1 }),
    new MultipartStateRepository(otherPool).begin(t, { uploadId: 'up-b', partSize: 5 << 20, totalSize: 1 }),
  ]);
  expect([a.created, b.created].sort()).toEqual([false, true]);
  expect(a.state.id).toBe(b.state.id);
  expect(a.state.uploadId).toBe(b.state.uploadId);
});

it('refuses to record a part of an upload that was removed meanwhile', async () => {
  const repository = new MultipartStateRepository(pool);
  const { state } = await repository.begin(target('removed.mov'), {
    uploadId: 'up-r',
    partSize: 5 << 20,
    totalSize: 1,
  });
  await new MultipartStateRepository(otherPool).remove(state.id);
  const error = await rejectionOf(
    repository.recordPart(state.id, { partNumber: 1, size: 1, etag: '"x"', md5: md5('1') }),
    MultipartStateGoneError,
  );
  expect(error.message).toContain(state.id);
});

it('lists the uploads of other contents to the same destination, and only those', async () => {
  const repository = new MultipartStateRepository(pool);
  const current = target('versions.mov', md5('c'));
  const old = await repository.begin(target('versions.mov', md5('0')), {
    uploadId: 'up-old',
    partSize: 5 << 20,
    totalSize: 1,
  });
  await repository.begin(current, { uploadId: 'up-new', partSize: 5 << 20, totalSize: 1 });
  await repository.begin(target('elsewhere.mov', md5('0')), {
    uploadId: 'up-else',
    partSize: 5 << 20,
    totalSize: 1,
  });
  const otherCluster = await insertCluster(pool);
  await repository.begin(
    { ...target('versions.mov', md5('9')), clusterId: otherCluster },
    { uploadId: 'up-other-cluster', partSize: 5 << 20, totalSize: 1 },
  );

  expect(await repository.others(current)).toEqual([
    { id: old.state.id, uploadId: 'up-old', checksum: { algorithm: 'md5', value: md5('0') } },
  ]);
});

it('keeps equally named buckets of two endpoints apart', async () => {
  const repository = new MultipartStateRepository(pool);
  const t = target('endpoints.mov');
  await repository.begin(t, { uploadId: 'up-1', partSize: 5 << 20, totalSize: 1 });
  expect(await repository.find({ ...t, endpoint: 'https://other.example.com' })).toBeNull();
});
