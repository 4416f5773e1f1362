// Export: copy a local file or an object of another store to an export bucket/prefix. Both go
// through the normal upload path, so an export is verified end to end and resumes like any
// upload. An object is first downloaded (verified) into a scratch folder: that works between any
// two endpoints and accounts, where a server-side copy would need both in one place.
import { randomUUID } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';

import { type Checksum } from '../checksum/checksum';
import { hashFile } from '../checksum/hash-file.adapter';
import { localFileError } from '../errors/local-file-error';
import { ObjectStoreError } from '../errors/object-store-error';
import { type ProgressListener } from '../progress/progress-meter';
import { type ObjectStore, type UploadResult } from '../store/object-store';

export interface ExportFileRequest {
  readonly sourcePath: string;
  /** Relative to the export store's prefix. */
  readonly key: string;
  /** The catalog's checksum when known; else the file is hashed (MD5) first. */
  readonly checksum?: Checksum;
  readonly contentType?: string;
  readonly onProgress?: ProgressListener;
  readonly signal?: AbortSignal;
}

export interface ExportObjectRequest {
  /** Relative to the source store's prefix. */
  readonly sourceKey: string;
  /** Relative to the export store's prefix. */
  readonly key: string;
  /** Expected content; else the checksum the source object carries (metadata or plain-MD5 ETag), else it is read once to hash it. */
  readonly checksum?: Checksum;
  /** A local folder for the transit copy (deleted afterwards). */
  readonly scratchDir: string;
  readonly contentType?: string;
  /** Download then upload, reported as one transfer of twice the size. */
  readonly onProgress?: ProgressListener;
  readonly signal?: AbortSignal;
}

export async function exportFile(to: ObjectStore, request: ExportFileRequest): Promise<UploadResult> {
  const checksum =
    request.checksum ??
    (await hashFile(request.sourcePath, 'md5', request.signal).catch((error: unknown) => {
      throw localFileError(error, request.sourcePath, 'hash the export source');
    }));
  return to.upload({
    sourcePath: request.sourcePath,
    key: request.key,
    checksum: { algorithm: checksum.algorithm, value: checksum.value },
    ...(request.contentType ? { contentType: request.contentType } : {}),
    ...(request.onProgress ? { onProgress: request.onProgress } : {}),
    ...(request.signal ? { signal: request.signal } : {}),
  });
}

export async function exportObject(
  from: ObjectStore,
  to: ObjectStore,
  request: ExportObjectRequest,
): Promise<UploadResult> {
  const { signal, onProgress } = request;
  const info = await from.stat(request.sourceKey, signal);
  if (!info)
    throw new ObjectStoreError(
      'not-found',
      `Export source "${from.location.bucket}/${from.location.prefix}${request.sourceKey}" does not exist on ${from.location.endpoint}.`,
      {
        endpoint: from.location.endpoint,
        bucket: from.location.bucket,
        key: `${from.location.prefix}${request.sourceKey}`,
      },
    );
  const checksum =
    request.checksum ?? info.checksum ?? (await from.computeChecksum(request.sourceKey, 'md5', signal));
  const size = info.size;

  await mkdir(request.scratchDir, { recursive: true }).catch((error: unknown) => {
    throw localFileError(error, request.scratchDir, 'create the export scratch folder');
  });
  const transit = path.join(request.scratchDir, `export-${randomUUID()}`);
  try {
    await from.download({
      key: request.sourceKey,
      targetPath: transit,
      checksum,
      ...(signal ? { signal } : {}),
      ...(onProgress
        ? { onProgress: (p) => onProgress({ ...p, bytesDone: p.bytesDone, bytesTotal: 2 * size }) }
        : {}),
    });
    return await to.upload({
      sourcePath: transit,
      key: request.key,
      checksum,
      ...(request.contentType ? { contentType: request.contentType } : {}),
      ...(signal ? { signal } : {}),
      ...(onProgress
        ? { onProgress: (p) => onProgress({ ...p, bytesDone: size + p.bytesDone, bytesTotal: 2 * size }) }
        : {}),
    });
  } finally {
    await rm(transit, { force: true });
  }
}
