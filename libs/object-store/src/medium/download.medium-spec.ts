// Downloads (restores) from the harness's real S3 endpoint onto real files.
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { createPool } from '@portico/db';
import { harness, rejectionOf, useTestDatabase } from '@portico/testing';
import { type Pool } from 'pg';

import {
  ObjectStoreError,
  MultipartStateRepository,
  MIB,
  type TransferProgress,
  S3ObjectStore,
} from '@portico/object-store';

import { countingClient, createBucket, insertCluster, storeConfig } from './transfer-fixtures';

const db = useTestDatabase();
let pool: Pool;
let clusterId: string;
let bucket: string;
let root: string;

beforeAll(async () => {
  pool = createPool(db.url, { max: 2 });
  clusterId = await insertCluster(pool);
  const { client } = countingClient(storeConfig(harness().s3, 'unused'));
  bucket = await createBucket(client, 'download');
  client.destroy();
  root = await mkdtemp(path.join(harness().tmpDir, 'download-'));
});

afterAll(async () => {
  await pool.end();
});

function openStore() {
  const config = storeConfig(harness().s3, bucket, 'archive');
  const counting = countingClient(config);
  const store = new S3ObjectStore(config, {
    clusterId,
    states: new MultipartStateRepository(pool),
    client: counting.client,
    progressIntervalMs: 0,
  });
  return { store, ...counting };
}

/** Puts `content` at archive/<key> with a plain client, as any writer of the bucket could. */
async function putObject(key: string, content: Buffer): Promise<void> {
  const { client } = countingClient(storeConfig(harness().s3, bucket));
  await client.send(new PutObjectCommand({ Bucket: bucket, Key: `archive/${key}`, Body: content }));
  client.destroy();
}

const md5 = (content: Buffer) =>
  ({ algorithm: 'md5', value: createHash('md5').update(content).digest('hex') }) as const;

async function folder(name: string): Promise<string> {
  return mkdtemp(path.join(root, `${name}-`));
}

it('lands the object atomically at the target, verified, with progress to the end', async () => {
  const content = randomBytes(3 * MIB + 17);
  await putObject('restore/a.mov', content);
  const dir = await folder('ok');
  const target = path.join(dir, 'deep', 'er', 'a.mov');
  const { store } = openStore();
  const events: TransferProgress[] = [];
  const seenWhileWriting = new Set<string>();

  const result = await store.download({
    key: 'restore/a.mov',
    targetPath: target,
    checksum: md5(content),
    onProgress: (event) => {
      events.push(event);
      if (event.bytesDone < content.length)
        for (const name of readdirSync(path.dirname(target))) seenWhileWriting.add(name);
    },
  });

  expect(result).toMatchObject({ outcome: 'downloaded', size: content.length, targetPath: target });
  expect((await readFile(target)).equals(content)).toBe(true);
  expect(await readdir(path.dirname(target))).toEqual(['a.mov']);
  // While bytes were arriving only a hidden temp file existed, never a partial target.
  expect([...seenWhileWriting]).toEqual([expect.stringMatching(/^\.a\.mov\.[0-9a-f]{12}\.portico\.tmp$/)]);
  expect(events.at(-1)).toMatchObject({ bytesDone: content.length, bytesTotal: content.length });
  store.close();
});

it('refuses an object whose content differs from the expected checksum, leaving no file and no temp', async () => {
  const stored = randomBytes(256 * 1024);
  const expected = randomBytes(256 * 1024);
  await putObject('restore/corrupt.mov', stored);
  const dir = await folder('corrupt');
  const target = path.join(dir, 'corrupt.mov');
  const { store } = openStore();

  const error = await rejectionOf(
    store.download({ key: 'restore/corrupt.mov', targetPath: target, checksum: md5(expected) }),
    ObjectStoreError,
  );

  expect(error.kind).toBe('checksum-mismatch');
  // The ETag (MD5 of what is stored) equals the MD5 of what arrived: the stored object is wrong.
  expect(error.permanent).toBe(true);
  expect(error.message).toContain(md5(expected).value);
  expect(error.message).toContain(md5(stored).value);
  expect(error.message).toContain(target);
  expect(await readdir(dir)).toEqual([]);
  store.close();
});

it('refuses to restore onto a different existing file and leaves it untouched', async () => {
  const content = randomBytes(64 * 1024);
  await putObject('restore/existing.mov', content);
  const dir = await folder('different');
  const target = path.join(dir, 'existing.mov');
  const other = Buffer.from('somebody else’s file');
  await writeFile(target, other);
  const before = await stat(target);
  const { store, sent } = openStore();

  const error = await rejectionOf(
    store.download({ key: 'restore/existing.mov', targetPath: target, checksum: md5(content) }),
    ObjectStoreError,
  );

  expect(error.kind).toBe('target-exists');
  expect(error.permanent).toBe(true);
  expect(error.message).toContain(target);
  expect((await readFile(target)).equals(other)).toBe(true);
  expect((await stat(target)).mtimeMs).toBe(before.mtimeMs);
  expect(await readdir(dir)).toEqual(['existing.mov']);
  expect(sent('GetObjectCommand')).toBe(0);
  store.close();
});

it('does not replace a different file that appears at the target during the download', async () => {
  const content = randomBytes(4 * MIB);
  await putObject('restore/race.mov', content);
  const dir = await folder('race');
  const target = path.join(dir, 'race.mov');
  const intruder = Buffer.from('written by someone else meanwhile');
  const { store } = openStore();

  const error = await rejectionOf(
    store.download({
      key: 'restore/race.mov',
      targetPath: target,
      checksum: md5(content),
      onProgress: (event) => {
        if (event.bytesDone > 0 && readdirSync(dir).length === 1) writeFileSync(target, intruder);
      },
    }),
    ObjectStoreError,
  );

  expect(error.kind).toBe('target-exists');
  expect((await readFile(target)).equals(intruder)).toBe(true);
  expect(await readdir(dir)).toEqual(['race.mov']);
  store.close();
});

it('succeeds without transferring when an identical file is already at the target', async () => {
  const content = randomBytes(64 * 1024);
  await putObject('restore/same.mov', content);
  const dir = await folder('same');
  const target = path.join(dir, 'same.mov');
  await writeFile(target, content);
  const { store, sent } = openStore();

  const result = await store.download({
    key: 'restore/same.mov',
    targetPath: target,
    checksum: md5(content),
  });

  expect(result.outcome).toBe('already-present');
  expect(sent('GetObjectCommand')).toBe(0);
  expect((await readFile(target)).equals(content)).toBe(true);
  store.close();
});

it('reports a missing object as a permanent not-found error', async () => {
  const dir = await folder('missing');
  const { store } = openStore();
  const error = await rejectionOf(
    store.download({
      key: 'restore/nothing-here.mov',
      targetPath: path.join(dir, 'x.mov'),
      checksum: { algorithm: 'md5', value: '0'.repeat(32) },
    }),
    ObjectStoreError,
  );
  expect(error.kind).toBe('not-found');
  expect(error.permanent).toBe(true);
  expect(error.message).toContain(`${bucket}/archive/restore/nothing-here.mov`);
  expect(await readdir(dir)).toEqual([]);
  store.close();
});

it('stops on abort, leaving neither the target nor a temp file', async () => {
  const content = randomBytes(24 * MIB);
  await putObject('restore/abort.mov', content);
  const dir = await folder('abort');
  const target = path.join(dir, 'abort.mov');
  const controller = new AbortController();
  const { store } = openStore();
  let seen = 0;

  const error = await rejectionOf(
    store.download({
      key: 'restore/abort.mov',
      targetPath: target,
      checksum: md5(content),
      signal: controller.signal,
      onProgress: (event) => {
        seen = event.bytesDone;
        if (event.bytesDone > 0) controller.abort();
      },
    }),
    ObjectStoreError,
  );

  expect(error.kind).toBe('aborted');
  expect(error.permanent).toBe(false);
  expect(seen).toBeLessThan(content.length);
  expect(await readdir(dir)).toEqual([]);
  store.close();
});
