// Where an object store lives and how to reach it: any S3-compatible endpoint (AWS, MinIO, Ceph,
// Backblaze, a local test server). Validated once, when a store is opened, so that a bad value is
// reported by name instead of surfacing later as a confusing S3 error. Secrets are never echoed.
import { ObjectStoreError } from '../errors/object-store-error';

export interface ObjectStoreCredentials {
  readonly accessKeyId: string;
  /** Sensitive: never logged, never in an error. */
  readonly secretAccessKey: string;
  /** Sensitive. */
  readonly sessionToken?: string;
}

export interface ObjectStoreConfig {
  /** `https://minio.example:9000`; omit for AWS S3 (the region's default endpoint). */
  readonly endpoint?: string;
  readonly region: string;
  readonly bucket: string;
  /** Key prefix inside the bucket (`proxies/`); keys given to the store are relative to it. */
  readonly prefix?: string;
  /** Path-style URLs (`endpoint/bucket/key`): needed by most non-AWS endpoints. */
  readonly forcePathStyle?: boolean;
  /** Omit to use the SDK's default chain (environment, instance role). */
  readonly credentials?: ObjectStoreCredentials;
}

/** A store's identity for messages, logs and the multipart state key: no secret in it. */
export interface StoreLocation {
  /** The endpoint URL without credentials, or `aws:<region>`. */
  readonly endpoint: string;
  readonly region: string;
  readonly bucket: string;
  /** Normalized: empty, or ending with `/`. */
  readonly prefix: string;
}

function invalid(setting: string, problem: string): ObjectStoreError {
  return new ObjectStoreError('invalid-config', `Object store setting "${setting}" ${problem}.`);
}

/** `a/b` → `a/b/`; `/a//b/` → `a/b/`; `` → ``. */
export function normalizePrefix(prefix: string | undefined): string {
  const segments = (prefix ?? '').split('/').filter((segment) => segment.length > 0);
  return segments.length === 0 ? '' : `${segments.join('/')}/`;
}

function checkEndpoint(endpoint: string): string {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw invalid('endpoint', 'is not a URL (expected e.g. https://s3.example.com:9000)');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw invalid('endpoint', `must be an http:// or https:// URL, not ${url.protocol}//`);
  if (url.username || url.password)
    throw invalid('endpoint', 'must not contain credentials; set the access key and secret key instead');
  if (url.search || url.hash) throw invalid('endpoint', 'must not have a query string or fragment');
  return `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, '')}`;
}

/** Checks a config and returns its secret-free location; throws an `invalid-config` error naming the setting. */
export function storeLocation(config: ObjectStoreConfig): StoreLocation {
  if (!/^[a-z0-9-]{1,64}$/.test(config.region))
    throw invalid('region', `must be a region name such as us-east-1, got "${config.region}"`);
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{1,254}$/.test(config.bucket))
    throw invalid('bucket', `must be a bucket name (letters, digits, ".", "-", "_"), got "${config.bucket}"`);
  const prefix = normalizePrefix(config.prefix);
  if (prefix.split('/').some((segment) => segment === '.' || segment === '..'))
    throw invalid('prefix', 'must not contain "." or ".." segments');
  if (config.credentials) {
    if (!config.credentials.accessKeyId) throw invalid('access key', 'is empty');
    if (!config.credentials.secretAccessKey) throw invalid('secret key', 'is empty');
  }
  const endpoint =
    config.endpoint === undefined || config.endpoint === ''
      ? `aws:${config.region}`
      : checkEndpoint(config.endpoint);
  return { endpoint, region: config.region, bucket: config.bucket, prefix };
}

/** Replaces every secret of `config` in `text` (defence in depth for text taken from an endpoint). */
export function secretScrubber(config: ObjectStoreConfig): (text: string) => string {
  const secrets = [config.credentials?.secretAccessKey, config.credentials?.sessionToken].filter(
    (secret): secret is string => typeof secret === 'string' && secret.length >= 4,
  );
  return (text) => secrets.reduce((scrubbed, secret) => scrubbed.split(secret).join('****'), text);
}
