// The S3 client for one object store. Settings chosen for S3-compatible endpoints in general:
// - request checksums only WHEN_REQUIRED: recent SDKs otherwise stream bodies as `aws-chunked`
//   with a trailing CRC32, which many non-AWS endpoints (s3rver, older MinIO and Ceph) store
//   verbatim or reject. Integrity comes from Content-MD5 on every body we send instead, which
//   every S3 implementation understands, plus our own end-to-end checksum.
// - bounded connect and idle-socket timeouts, so a dead endpoint fails the attempt (retryable)
//   instead of hanging a job until its lease expires.
import { S3Client } from '@aws-sdk/client-s3';

import { type ObjectStoreConfig } from '../config/object-store-config';

export interface S3ClientOptions {
  /** Attempts per request inside the SDK (transient errors); the job retries beyond that. Default 3. */
  readonly maxAttempts?: number;
  /** Default 5 s. */
  readonly connectionTimeoutMs?: number;
  /** A socket silent this long is dropped. Default 60 s. */
  readonly socketTimeoutMs?: number;
  /** Connections kept per endpoint; at least the part concurrency. Default 16. */
  readonly maxSockets?: number;
}

export function createS3Client(config: ObjectStoreConfig, options: S3ClientOptions = {}): S3Client {
  const agent = { keepAlive: true, maxSockets: options.maxSockets ?? 16 };
  return new S3Client({
    region: config.region,
    ...(config.endpoint ? { endpoint: config.endpoint } : {}),
    forcePathStyle: config.forcePathStyle ?? false,
    ...(config.credentials ? { credentials: { ...config.credentials } } : {}),
    maxAttempts: options.maxAttempts ?? 3,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    requestHandler: {
      connectionTimeout: options.connectionTimeoutMs ?? 5_000,
      socketTimeout: options.socketTimeoutMs ?? 60_000,
      httpAgent: agent,
      httpsAgent: agent,
    },
  });
}
