// Object keys: callers name objects relative to the store's prefix; the store adds the prefix.
// A key is checked before any request so that a bad one fails with its name, not an S3 error.
import { ObjectStoreError } from '../errors/object-store-error';
import { type StoreLocation } from './object-store-config';

/** S3's limit on a key, in UTF-8 bytes. */
const MAX_KEY_BYTES = 1024;

/** `prefix + key`, after checking the key. */
export function fullKey(location: StoreLocation, key: string): string {
  const problem =
    key.length === 0
      ? 'is empty'
      : key.startsWith('/')
        ? 'starts with "/"'
        : key.includes('\0')
          ? 'contains a NUL character'
          : key.split('/').some((segment) => segment === '.' || segment === '..')
            ? 'contains a "." or ".." segment'
            : undefined;
  if (problem)
    throw new ObjectStoreError(
      'invalid-request',
      `Object key "${key}" ${problem}; use a relative key such as "a/b.mp4".`,
      {
        bucket: location.bucket,
        endpoint: location.endpoint,
      },
    );
  const full = `${location.prefix}${key}`;
  if (Buffer.byteLength(full, 'utf8') > MAX_KEY_BYTES)
    throw new ObjectStoreError(
      'invalid-request',
      `Object key "${full.slice(0, 80)}…" is longer than S3's ${MAX_KEY_BYTES} bytes; shorten the prefix or the name.`,
      { bucket: location.bucket, endpoint: location.endpoint },
    );
  return full;
}
