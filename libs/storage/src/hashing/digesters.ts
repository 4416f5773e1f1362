// Incremental digests, one per algorithm, fed the same chunks. MD5 and the SHAs are OpenSSL's
// (node:crypto, assembly-optimised); the xxHash family comes from hash-wasm, as Node has none.
import { createHash, type Hash } from 'node:crypto';
import { createXXHash3, createXXHash64, type IHasher } from 'hash-wasm';

import { type HashAlgorithm } from './algorithms';

export interface Digester {
  readonly algorithm: HashAlgorithm;
  update(chunk: Uint8Array): void;
  /** Lower-case hex; the digester cannot be used afterwards. */
  hex(): string;
}

export async function createDigester(algorithm: HashAlgorithm): Promise<Digester> {
  switch (algorithm) {
    case 'md5':
    case 'sha1':
    case 'sha256':
      return opensslDigester(algorithm, createHash(algorithm));
    case 'xxh64':
      return wasmDigester(algorithm, await createXXHash64());
    case 'xxh3':
      return wasmDigester(algorithm, await createXXHash3());
  }
}

function opensslDigester(algorithm: HashAlgorithm, hash: Hash): Digester {
  return {
    algorithm,
    update: (chunk) => void hash.update(chunk),
    hex: () => hash.digest('hex'),
  };
}

function wasmDigester(algorithm: HashAlgorithm, hasher: IHasher): Digester {
  hasher.init();
  return {
    algorithm,
    update: (chunk) => void hasher.update(chunk),
    // The canonical big-endian form, as xxhsum prints it.
    hex: () => hasher.digest('hex').toLowerCase(),
  };
}
