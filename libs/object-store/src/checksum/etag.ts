// What an S3 ETag can prove. For a PutObject or UploadPart without KMS encryption it is the MD5
// of the body; for a completed multipart upload AWS returns MD5(concat of part MD5s)-<parts>,
// which we can predict from the parts we sent. Other endpoints differ (s3rver returns the MD5 of
// the whole object; KMS-encrypted objects have opaque ETags): when no form matches, the caller
// reads the object back and hashes it.
import { createHash } from 'node:crypto';

/** `"9e10…"` → `9e10…` when the ETag is a plain MD5, else undefined. */
export function plainMd5Etag(etag: string | undefined): string | undefined {
  const bare = etag?.replace(/"/g, '').trim().toLowerCase();
  return bare && /^[0-9a-f]{32}$/.test(bare) ? bare : undefined;
}

/** AWS's ETag of a multipart object made of parts with these MD5s (hex), in part order. */
export function multipartEtag(partMd5sHex: readonly string[]): string {
  const hash = createHash('md5');
  for (const md5 of partMd5sHex) hash.update(Buffer.from(md5, 'hex'));
  return `${hash.digest('hex')}-${partMd5sHex.length}`;
}

/** The ETag without quotes, lower-case. */
export function bareEtag(etag: string | undefined): string | undefined {
  const bare = etag?.replace(/"/g, '').trim().toLowerCase();
  return bare ? bare : undefined;
}
