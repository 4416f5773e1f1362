// Hashes a local file in one streaming pass (bounded memory at any size).
import { createReadStream } from 'node:fs';

import { type Checksum, type ChecksumAlgorithm } from './checksum';
import { createHasher } from './hasher';

export async function hashFile(
  path: string,
  algorithm: ChecksumAlgorithm,
  signal?: AbortSignal,
): Promise<Checksum & { size: number }> {
  const hasher = await createHasher(algorithm);
  let size = 0;
  const stream = createReadStream(path, { highWaterMark: 1024 * 1024, ...(signal ? { signal } : {}) });
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    hasher.update(chunk);
    size += chunk.length;
  }
  return { algorithm, value: hasher.digest(), size };
}
