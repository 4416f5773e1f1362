// The end-to-end check after an upload: does the stored object have exactly the source's bytes?
// Size first, then the cheapest proof the endpoint offers: a plain-MD5 ETag equal to the source
// MD5, or AWS's multipart ETag equal to the one predicted from the parts we sent. When neither
// form applies (KMS encryption, another endpoint's format, a non-MD5 source checksum on s3rver),
// the object is read back and hashed with the source's own algorithm.
import { type Readable } from 'node:stream';

import { type Checksum } from '../checksum/checksum';
import { bareEtag, multipartEtag, plainMd5Etag } from '../checksum/etag';
import { createHasher } from '../checksum/hasher';
import { type BucketClient } from '../store/bucket-client.adapter';

export type VerifiedBy = 'etag-md5' | 'etag-multipart' | 'read-back';

export interface StoredObjectExpectation {
  readonly size: number;
  readonly checksum: Checksum;
  /** MD5 of the whole source, when known (hex). */
  readonly md5?: string;
  /** MD5s of the parts, in order, for a multipart upload (hex). */
  readonly partMd5s?: readonly string[];
}

export type Verification =
  | { readonly ok: true; readonly by: VerifiedBy; readonly etag: string | undefined }
  | { readonly ok: false; readonly reason: string };

/** Hashes an object's content as stored, streaming (bounded memory). */
export async function hashStoredObject(
  bucket: BucketClient,
  key: string,
  algorithm: Checksum['algorithm'],
  signal?: AbortSignal,
): Promise<{ checksum: Checksum; size: number }> {
  const object = await bucket.getObject(key, signal);
  const hasher = await createHasher(algorithm);
  let size = 0;
  try {
    for await (const chunk of object.Body as Readable) {
      const bytes = chunk as Buffer;
      hasher.update(bytes);
      size += bytes.length;
    }
  } catch (error) {
    throw bucket.failure('GetObject', key, error, signal);
  }
  return { checksum: { algorithm, value: hasher.digest() }, size };
}

export async function verifyStoredObject(
  bucket: BucketClient,
  key: string,
  expected: StoredObjectExpectation,
  signal?: AbortSignal,
): Promise<Verification> {
  const head = await bucket.head(key, signal);
  if (!head) return { ok: false, reason: 'the object is missing right after it was written' };
  if (head.size !== expected.size)
    return { ok: false, reason: `the stored object has ${head.size} bytes, the source ${expected.size}` };
  const md5 = expected.md5 ?? (expected.checksum.algorithm === 'md5' ? expected.checksum.value : undefined);
  const plain = plainMd5Etag(head.etag);
  if (md5 && plain === md5) return { ok: true, by: 'etag-md5', etag: head.etag };
  if (expected.partMd5s && bareEtag(head.etag) === multipartEtag(expected.partMd5s))
    return { ok: true, by: 'etag-multipart', etag: head.etag };
  const stored = await hashStoredObject(bucket, key, expected.checksum.algorithm, signal);
  if (stored.size === expected.size && stored.checksum.value === expected.checksum.value)
    return { ok: true, by: 'read-back', etag: head.etag };
  return {
    ok: false,
    reason: `reading the stored object back gave ${expected.checksum.algorithm} ${stored.checksum.value} over ${stored.size} bytes, expected ${expected.checksum.value} over ${expected.size}`,
  };
}
