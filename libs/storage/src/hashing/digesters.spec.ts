import { HASH_ALGORITHMS, type HashAlgorithm } from './algorithms';
import { createDigester, sequentialDigesters } from './digesters';

// Published test vectors: RFC 1321 (MD5), FIPS 180 examples (SHA-1, SHA-256), the xxHash
// reference implementation (xxhsum 0.8.1 -H1 / -H3).
const VECTORS: Record<HashAlgorithm, { empty: string; abc: string }> = {
  md5: { empty: 'd41d8cd98f00b204e9800998ecf8427e', abc: '900150983cd24fb0d6963f7d28e17f72' },
  sha1: {
    empty: 'da39a3ee5e6b4b0d3255bfef95601890afd80709',
    abc: 'a9993e364706816aba3e25717850c26c9cd0d89d',
  },
  sha256: {
    empty: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    abc: 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
  },
  xxh64: { empty: 'ef46db3751d8e999', abc: '44bc2cf5ad770999' },
  xxh3: { empty: '2d06800538d394c2', abc: '78af5f94892f3950' },
};

const MILLION_A: Partial<Record<HashAlgorithm, string>> = {
  md5: '7707d6ae4e027c70eea2a935c2296f21',
  sha1: '34aa973cd4c4daa4f61eeb2bdbad27316534016f',
  sha256: 'cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0',
};

describe.each(HASH_ALGORITHMS)('%s digester', (algorithm) => {
  it('matches the published vectors for "" and "abc" in lower-case hex', async () => {
    const empty = await createDigester(algorithm);
    expect(empty.algorithm).toBe(algorithm);
    expect(empty.hex()).toBe(VECTORS[algorithm].empty);
    const abc = await createDigester(algorithm);
    abc.update(Buffer.from('abc'));
    expect(abc.hex()).toBe(VECTORS[algorithm].abc);
  });

  it('gives the same digest whatever the chunking', async () => {
    const data = Buffer.alloc(3 * 65536 + 17);
    for (let i = 0; i < data.length; i++) data[i] = (i * 31 + (i >> 8)) & 0xff;
    const whole = await createDigester(algorithm);
    whole.update(data);
    const pieces = await createDigester(algorithm);
    pieces.update(data.subarray(0, 0));
    let offset = 0;
    for (const size of [1, 63, 64, 65, 4096, 65536, 131072]) {
      pieces.update(data.subarray(offset, offset + size));
      offset += size;
    }
    pieces.update(data.subarray(offset));
    expect(pieces.hex()).toBe(whole.hex());
  });
});

describe.each(Object.entries(MILLION_A))('%s of one million "a"', (algorithm, expected) => {
  it('matches the published vector, fed in 1000-byte chunks', async () => {
    const digester = await createDigester(algorithm as HashAlgorithm);
    const chunk = Buffer.alloc(1000, 'a');
    for (let i = 0; i < 1000; i++) digester.update(chunk);
    expect(digester.hex()).toBe(expected);
  });
});

describe.each(HASH_ALGORITHMS)('%s sequential digesters', (algorithm) => {
  it('give each file a fresh state, also after a digester abandoned half-way', async () => {
    const next = await sequentialDigesters(algorithm);
    const abc = next();
    abc.update(Buffer.from('abc'));
    expect(abc.hex()).toBe(VECTORS[algorithm].abc);
    // A file that failed mid-read: updated, never finished.
    next().update(Buffer.from('some bytes of a file that changed'));
    expect(next().hex()).toBe(VECTORS[algorithm].empty);
    const again = next();
    again.update(Buffer.from('ab'));
    again.update(Buffer.from('c'));
    expect(again.hex()).toBe(VECTORS[algorithm].abc);
  });
});
