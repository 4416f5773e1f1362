import { CHECKSUM_ALGORITHMS } from '@portico/jobs-contracts';

import { HASH_ALGORITHMS, hashAlgorithms, InvalidHashRequestError } from './algorithms';

describe('hashAlgorithms', () => {
  it('serves exactly the algorithms of the job contracts', () => {
    expect(HASH_ALGORITHMS).toEqual([...CHECKSUM_ALGORITHMS]);
    expect(hashAlgorithms(['md5', 'sha1', 'sha256', 'xxh64', 'xxh3'])).toEqual(HASH_ALGORITHMS);
  });

  it('keeps the requested order', () => {
    expect(hashAlgorithms(['xxh3', 'md5'])).toEqual(['xxh3', 'md5']);
  });

  it.each([
    [[], 'no checksum algorithm requested; ask for at least one of md5, sha1, sha256, xxh64, xxh3'],
    [['md5', 'crc32'], 'unknown checksum algorithm "crc32"; supported: md5, sha1, sha256, xxh64, xxh3'],
    [['MD5'], 'unknown checksum algorithm "MD5"'],
    [['sha1', 'sha1'], 'checksum algorithm "sha1" is requested twice'],
  ])('refuses %j permanently', (requested, message) => {
    let error: unknown;
    try {
      hashAlgorithms(requested);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(InvalidHashRequestError);
    expect((error as InvalidHashRequestError).permanent).toBe(true);
    expect((error as Error).message).toContain(message);
  });
});
