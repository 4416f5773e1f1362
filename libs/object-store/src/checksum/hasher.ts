// Incremental hashers for every catalog algorithm: node:crypto (OpenSSL) for the digests it has,
// hash-wasm for the xxHash family it lacks. Digests are lower-case hex, as the catalog stores them.
import { createHash } from 'node:crypto';
import { createXXHash3, createXXHash64 } from 'hash-wasm';

import { type ChecksumAlgorithm } from './checksum';

export interface Hasher {
  update(chunk: Uint8Array): void;
  /** Hex digest; the hasher cannot be used afterwards. */
  digest(): string;
}

function native(algorithm: 'md5' | 'sha1' | 'sha256'): Hasher {
  const hash = createHash(algorithm);
  return { update: (chunk) => void hash.update(chunk), digest: () => hash.digest('hex') };
}

export async function createHasher(algorithm: ChecksumAlgorithm): Promise<Hasher> {
  switch (algorithm) {
    case 'md5':
    case 'sha1':
    case 'sha256':
      return native(algorithm);
    case 'xxh64':
    case 'xxh3': {
      const wasm = algorithm === 'xxh64' ? await createXXHash64() : await createXXHash3();
      wasm.init();
      return { update: (chunk) => void wasm.update(chunk), digest: () => wasm.digest('hex') };
    }
  }
}

/** MD5 of one buffer: as hex (to compare with ETags) and base64 (the Content-MD5 header). */
export function md5Of(data: Uint8Array): { hex: string; base64: string } {
  const digest = createHash('md5').update(data).digest();
  return { hex: digest.toString('hex'), base64: digest.toString('base64') };
}
