import { type RecordedPart } from './multipart-state-store';
import { reusablePart, type ListedPart } from './reconcile';

const part = { partNumber: 2, offset: 100, size: 100 };
const md5 = '0123456789abcdef0123456789abcdef';
const other = 'ffffffffffffffffffffffffffffffff';
const recorded: RecordedPart = { partNumber: 2, size: 100, etag: `"${md5}"`, md5 };

describe('without a listing (endpoint has no ListParts)', () => {
  it('reuses a recorded part whose bytes still have its MD5', () => {
    expect(reusablePart(part, md5, recorded, null)).toEqual({ etag: `"${md5}"`, record: false });
  });

  it('re-sends a part whose bytes changed, or that was never recorded', () => {
    expect(reusablePart(part, other, recorded, null)).toBeNull();
    expect(reusablePart(part, md5, undefined, null)).toBeNull();
    expect(reusablePart(part, md5, { ...recorded, size: 99 }, null)).toBeNull();
  });
});

describe('with a listing', () => {
  const listing = (entry?: ListedPart) => new Map(entry ? [[2, entry]] : []);

  it('reuses a listed part with the MD5 ETag of the bytes', () => {
    expect(reusablePart(part, md5, recorded, listing({ size: 100, etag: `"${md5}"` }))).toEqual({
      etag: `"${md5}"`,
      record: false,
    });
  });

  it('records a listed part the record lacks (its acknowledgement was lost)', () => {
    expect(reusablePart(part, md5, undefined, listing({ size: 100, etag: `"${md5}"` }))).toEqual({
      etag: `"${md5}"`,
      record: true,
    });
  });

  it('re-sends a recorded part the endpoint no longer lists', () => {
    expect(reusablePart(part, md5, recorded, listing())).toBeNull();
  });

  it('re-sends a listed part of another size or content', () => {
    expect(reusablePart(part, md5, recorded, listing({ size: 50, etag: `"${md5}"` }))).toBeNull();
    expect(reusablePart(part, md5, undefined, listing({ size: 100, etag: `"${other}"` }))).toBeNull();
  });

  it('trusts an opaque ETag (KMS) only when it equals the recorded one for the same bytes', () => {
    const opaque = '"kms-opaque-etag"';
    const kmsRecord = { ...recorded, etag: opaque };
    expect(reusablePart(part, md5, kmsRecord, listing({ size: 100, etag: opaque }))).toEqual({
      etag: opaque,
      record: false,
    });
    expect(reusablePart(part, other, kmsRecord, listing({ size: 100, etag: opaque }))).toBeNull();
    expect(reusablePart(part, md5, undefined, listing({ size: 100, etag: opaque }))).toBeNull();
  });
});
