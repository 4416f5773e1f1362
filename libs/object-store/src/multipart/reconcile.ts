// Which parts of a resumed upload need not be sent again. A part is reused only when its bytes,
// re-read from the source now, have the MD5 that was acknowledged for it. When the endpoint can
// list the upload's parts (ListParts), its listing is the truth and our record only fills in for
// ETags that are not plain MD5s; when it cannot (s3rver), our record of acknowledged parts is.
import { bareEtag, plainMd5Etag } from '../checksum/etag';
import { type RecordedPart } from './multipart-state-store';
import { type Part } from './part-plan';

export interface ListedPart {
  readonly size: number;
  readonly etag: string;
}

export interface Reuse {
  readonly etag: string;
  /** The listing proved a part our record lacks (or has stale): record it now. */
  readonly record: boolean;
}

/**
 * @param md5 MD5 (hex) of the part's bytes as they are now.
 * @param listing the endpoint's parts, or null when it cannot list them.
 */
export function reusablePart(
  part: Part,
  md5: string,
  recorded: RecordedPart | undefined,
  listing: ReadonlyMap<number, ListedPart> | null,
): Reuse | null {
  const recordMatches = recorded !== undefined && recorded.md5 === md5 && recorded.size === part.size;
  if (listing === null) return recordMatches ? { etag: recorded.etag, record: false } : null;
  const listed = listing.get(part.partNumber);
  if (!listed || listed.size !== part.size) return null;
  const sameAsRecord = recordMatches && bareEtag(recorded.etag) === bareEtag(listed.etag);
  if (plainMd5Etag(listed.etag) === md5) return { etag: listed.etag, record: !sameAsRecord };
  return sameAsRecord ? { etag: recorded.etag, record: false } : null;
}
