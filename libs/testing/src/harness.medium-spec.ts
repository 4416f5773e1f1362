// The harness itself: every service answers, every fault really happens and really heals.
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import Redis from 'ioredis';
import { Client, Pool } from 'pg';

import { faults, harness, pgbouncerAdmin, useTestDatabase, waitFor } from './index';
import { isPortOpen } from './services/ports';

const db = useTestDatabase();

async function queryOnce(url: string, sql: string): Promise<unknown[]> {
  const client = new Client({ connectionString: url });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return (await client.query<Record<string, unknown>>(sql)).rows;
  } finally {
    await client.end().catch(() => undefined);
  }
}

function s3Client(): S3Client {
  const { s3 } = harness();
  return new S3Client({
    endpoint: s3.endpoint,
    region: s3.region,
    forcePathStyle: true,
    credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
  });
}

describe('PostgreSQL through pgBouncer', () => {
  it('answers a query through pgBouncer in the migrated test database', async () => {
    const rows = await queryOnce(
      db.url,
      "SELECT current_database() AS db, to_regclass('portico.clusters') IS NOT NULL AS migrated",
    );
    expect(rows).toEqual([{ db: db.name, migrated: true }]);
  });

  it('runs pgBouncer in transaction pool mode with room for 1000 clients', async () => {
    const config = await pgbouncerAdmin('SHOW CONFIG');
    const setting = (key: string): unknown => config.find((row) => row.key === key)?.value;
    expect(setting('pool_mode')).toBe('transaction');
    expect(Number(setting('max_client_conn'))).toBeGreaterThanOrEqual(1000);
    await queryOnce(db.url, 'SELECT 1');
    const pools = await pgbouncerAdmin('SHOW POOLS');
    expect(pools.find((row) => row.database === db.name)).toMatchObject({ pool_mode: 'transaction' });
  });

  it('rejects a wrong password at pgBouncer', async () => {
    await expect(
      queryOnce(harness().pgbouncerUrl(db.name, { password: 'wrong' }), 'SELECT 1'),
    ).rejects.toThrow(/SASL authentication failed|password authentication failed/);
  });
});

describe('Redis and S3', () => {
  it('answers PING', async () => {
    const redis = new Redis(harness().redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
    await redis.connect();
    await expect(redis.ping()).resolves.toBe('PONG');
    await redis.quit();
  });

  it('creates a bucket, puts and gets an object (path style)', async () => {
    const s3 = s3Client();
    await s3.send(new CreateBucketCommand({ Bucket: 'harness-self-test' }));
    await s3.send(new PutObjectCommand({ Bucket: 'harness-self-test', Key: 'a/b.txt', Body: 'hello' }));
    const got = await s3.send(new GetObjectCommand({ Bucket: 'harness-self-test', Key: 'a/b.txt' }));
    await expect(got.Body?.transformToString()).resolves.toBe('hello');
    s3.destroy();
  });
});

describe('faults', () => {
  it('stops pgBouncer (connections refused) and starts it again', async () => {
    await faults.pgbouncer.stop();
    await expect(queryOnce(db.url, 'SELECT 1')).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    await faults.pgbouncer.start();
    await expect(queryOnce(db.url, 'SELECT 1 AS one')).resolves.toEqual([{ one: 1 }]);
  });

  it('PAUSE holds queries until RESUME', async () => {
    const pool = new Pool({ connectionString: db.url, max: 1 });
    await pool.query('SELECT 1');
    await faults.pgbouncer.pause(db.name);
    let settled = false;
    const held = pool.query<{ one: number }>('SELECT 1 AS one').finally(() => {
      settled = true;
    });
    await waitFor(
      async () => {
        const pools = await pgbouncerAdmin('SHOW POOLS');
        return Number(pools.find((row) => row.database === db.name)?.cl_waiting ?? 0) >= 1;
      },
      { description: 'the query to wait in pgBouncer while paused' },
    );
    expect(settled).toBe(false);
    await faults.pgbouncer.resume(db.name);
    await expect(held).resolves.toMatchObject({ rows: [{ one: 1 }] });
    await pool.end();
  });

  it('restarts PostgreSQL', async () => {
    const before = await queryOnce(db.directUrl, 'SELECT pg_postmaster_start_time()::text AS started');
    await faults.postgres.restart();
    const after = await queryOnce(db.directUrl, 'SELECT pg_postmaster_start_time()::text AS started');
    expect(after).not.toEqual(before);
    await expect(queryOnce(db.url, 'SELECT 1 AS one')).resolves.toEqual([{ one: 1 }]);
  });

  it('stops and starts Redis', async () => {
    const { state } = harness();
    await faults.redis.stop();
    expect(await isPortOpen(state.redis.port)).toBe(false);
    await faults.redis.start();
    const redis = new Redis(harness().redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
    await redis.connect();
    await expect(redis.ping()).resolves.toBe('PONG');
    await redis.quit();
  });

  it('stops and starts S3, keeping its objects', async () => {
    const s3 = s3Client();
    await s3.send(new CreateBucketCommand({ Bucket: 'harness-fault' }));
    await s3.send(new PutObjectCommand({ Bucket: 'harness-fault', Key: 'k', Body: 'kept' }));
    await faults.s3.stop();
    await expect(s3.send(new GetObjectCommand({ Bucket: 'harness-fault', Key: 'k' }))).rejects.toThrow();
    await faults.s3.start();
    const got = await s3.send(new GetObjectCommand({ Bucket: 'harness-fault', Key: 'k' }));
    await expect(got.Body?.transformToString()).resolves.toBe('kept');
    s3.destroy();
  });
});
