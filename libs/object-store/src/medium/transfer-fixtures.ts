// Helpers for the object store's medium tests: real buckets on the harness's S3 endpoint, real
// files with known digests, a real S3 client that counts the requests it sends. Nothing here is
// faked; it only sets up and observes. (A project of its own, type:testing: @portico/testing
// depends on @portico/object-store for the local S3 launcher, so these tests cannot live in it.)
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { open } from 'node:fs/promises';
import path from 'node:path';
import { type Readable } from 'node:stream';
import { CreateBucketCommand, GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import {
  type Checksum,
  type ChecksumAlgorithm,
  createS3Client,
  hashFile,
  type ObjectStoreConfig,
  type S3ClientOptions,
} from '@portico/object-store';
import { type Pool } from 'pg';

export interface S3Endpoint {
  readonly endpoint: string;
  readonly region: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

export function storeConfig(s3: S3Endpoint, bucket: string, prefix = ''): ObjectStoreConfig {
  return {
    endpoint: s3.endpoint,
    region: s3.region,
    bucket,
    prefix,
    forcePathStyle: true,
    credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
  };
}

/** A bucket of its own for a test file: names are unique across the run's shared endpoint. */
export async function createBucket(client: S3Client, stem: string): Promise<string> {
  const bucket = `${stem}-${randomBytes(4).toString('hex')}`;
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  return bucket;
}

/** A real S3 client that counts the commands it sends (attempted and succeeded, by name). */
export function countingClient(config: ObjectStoreConfig, options: S3ClientOptions = {}) {
  const client = createS3Client(config, options);
  const sent = new Map<string, number>();
  const succeeded = new Map<string, number>();
  const bump = (counts: Map<string, number>, name: string) => counts.set(name, (counts.get(name) ?? 0) + 1);
  client.middlewareStack.add(
    (next, context) => async (args) => {
      bump(sent, context.commandName ?? 'unknown');
      const output = await next(args);
      bump(succeeded, context.commandName ?? 'unknown');
      return output;
    },
    { step: 'initialize', name: 'portico-test-request-counter' },
  );
  return {
    client,
    sent: (command: string) => sent.get(command) ?? 0,
    succeeded: (command: string) => succeeded.get(command) ?? 0,
  };
}

export interface TestFile {
  readonly path: string;
  readonly size: number;
  readonly md5: Checksum;
  checksum(algorithm: ChecksumAlgorithm): Promise<Checksum>;
}

/** Writes `size` random bytes to `dir/name` (1 MiB at a time). */
export async function writeRandomFile(
  dir: string,
  size: number,
  name = `${randomUUID()}.bin`,
): Promise<TestFile> {
  const file = path.join(dir, name);
  const handle = await open(file, 'w');
  const md5 = createHash('md5');
  try {
    for (let written = 0; written < size;) {
      const chunk = randomBytes(Math.min(1024 * 1024, size - written));
      md5.update(chunk);
      await handle.write(chunk);
      written += chunk.length;
    }
  } finally {
    await handle.close();
  }
  return {
    path: file,
    size,
    md5: { algorithm: 'md5', value: md5.digest('hex') },
    checksum: async (algorithm) => {
      const { value } = await hashFile(file, algorithm);
      return { algorithm, value };
    },
  };
}

/** MD5 of an object as the endpoint serves it, read with a plain client. */
export async function storedMd5(client: S3Client, bucket: string, key: string): Promise<string> {
  const object = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  const md5 = createHash('md5');
  for await (const chunk of object.Body as Readable) md5.update(chunk as Buffer);
  return md5.digest('hex');
}

export async function insertCluster(pool: Pool): Promise<string> {
  const id = randomUUID();
  await pool.query('INSERT INTO portico.clusters (id, name) VALUES ($1, $2)', [id, `transfer-${id}`]);
  return id;
}
