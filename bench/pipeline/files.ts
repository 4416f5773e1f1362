// The small files of the pipeline benchmark: random content (no two alike, so no duplicate
// linking and nothing any layer could compress or skip), 1,000 to a folder, with an extension
// that names no media kind, so no transcode follows their checksum (SPEC 2.5).
import { createHash, randomFillSync } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export const FILE_BYTES = 4096;
const FILES_PER_FOLDER = 1_000;

/** Relative path (to the folder written) -> MD5 hex of the content. */
export type ExpectedDigests = ReadonlyMap<string, string>;

/** Writes `count` files under `root` (created); returns each file's path relative to `root` and MD5. */
export function writeSmallFiles(root: string, count: number): ExpectedDigests {
  const digests = new Map<string, string>();
  const content = Buffer.allocUnsafe(FILE_BYTES);
  for (let n = 0; n < count; n++) {
    const folder = `d${String(Math.floor(n / FILES_PER_FOLDER)).padStart(3, '0')}`;
    if (n % FILES_PER_FOLDER === 0) mkdirSync(path.join(root, folder), { recursive: true });
    const relative = `${folder}/file-${String(n).padStart(6, '0')}.bin`;
    randomFillSync(content);
    writeFileSync(path.join(root, relative), content);
    digests.set(relative, createHash('md5').update(content).digest('hex'));
  }
  return digests;
}
