import { checkChecksum, formatChecksum, parseChecksum } from './checksum';
import { bareEtag, multipartEtag, plainMd5Etag } from './etag';
import { createHasher, md5Of } from './hasher';

// Digests of "hello world" from md5sum, sha1sum, sha256sum and xxhsum (-H1, -H3).
it.each([
  ['md5', '5eb63bbbe01eeed093cb22bb8f5acdc3'],
  ['sha1', '2aae6c35c94fcfb415dbe95f408b9ce91ee846ed'],
  ['sha256', 'b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9'],
  ['xxh64', '45ab6734b21e6968'],
  ['xxh3', 'd447b1ea40e6988b'],
] as const)('%s hashes incrementally to the reference digest', async (algorithm, digest) => {
  const hasher = await createHasher(algorithm);
  hasher.update(Buffer.from('hello '));
  hasher.update(Buffer.from('world'));
  expect(hasher.digest()).toBe(digest);
});

it('gives Content-MD5 in base64 and hex', () => {
  expect(md5Of(Buffer.from('hello world'))).toEqual({
    hex: '5eb63bbbe01eeed093cb22bb8f5acdc3',
    base64: 'XrY7u+Ae7tCTyyK7j1rNww==',
  });
});

it('checks digests against their algorithm', () => {
  expect(() => checkChecksum({ algorithm: 'md5', value: 'abc' })).toThrow('32 lower-case hex');
  expect(() => checkChecksum({ algorithm: 'sha256', value: '5eb63bbbe01eeed093cb22bb8f5acdc3' })).toThrow(
    'sha256',
  );
  expect(() => checkChecksum({ algorithm: 'crc32' as 'md5', value: 'abcd' })).toThrow('not one of');
});

it('formats and parses checksums for object metadata', () => {
  const checksum = { algorithm: 'xxh64', value: '45ab6734b21e6968' } as const;
  expect(parseChecksum(formatChecksum(checksum))).toEqual(checksum);
  expect(parseChecksum('md5:nothex')).toBeUndefined();
  expect(parseChecksum('garbage')).toBeUndefined();
  expect(parseChecksum(undefined)).toBeUndefined();
});

describe('ETags', () => {
  it('recognizes plain MD5 ETags only', () => {
    expect(plainMd5Etag('"5EB63BBBE01EEED093CB22BB8F5ACDC3"')).toBe('5eb63bbbe01eeed093cb22bb8f5acdc3');
    expect(plainMd5Etag('"5eb63bbbe01eeed093cb22bb8f5acdc3-2"')).toBeUndefined();
    expect(plainMd5Etag(undefined)).toBeUndefined();
    expect(bareEtag('"Ab-2"')).toBe('ab-2');
  });

  it("predicts AWS's multipart ETag from the parts' MD5s", () => {
    // Two parts "hello " and "world": MD5 of the concatenated binary digests, then "-2".
    const parts = [md5Of(Buffer.from('hello ')).hex, md5Of(Buffer.from('world')).hex];
    const expected = md5Of(Buffer.concat(parts.map((hex) => Buffer.from(hex, 'hex')))).hex;
    expect(multipartEtag(parts)).toBe(`${expected}-2`);
  });
});
