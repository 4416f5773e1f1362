// The local side of a download: what is at the target already, the temp file beside it, and
// placing the verified temp file under the target name without ever replacing another file.
import { randomBytes } from 'node:crypto';
import { link, lstat, open, rename, unlink } from 'node:fs/promises';
import path from 'node:path';

import { type Checksum } from '../checksum/checksum';
import { hashFile } from '../checksum/hash-file.adapter';
import { localFileError } from '../errors/local-file-error';
import { ObjectStoreError } from '../errors/object-store-error';

export type ExistingTarget = 'absent' | 'identical';

/** Codes of file systems (SMB mounts, some FUSE) that cannot make hard links. */
const NO_LINKS = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EXDEV', 'EMLINK']);

function errorCode(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && typeof (error as { code?: unknown }).code === 'string'
    ? (error as { code: string }).code
    : undefined;
}

function targetExists(target: string, detail: string): ObjectStoreError {
  return new ObjectStoreError(
    'target-exists',
    `Refusing to restore over "${target}": ${detail}. It was left untouched; move or delete it, ` +
      'or restore to another path.',
    { path: target, operation: 'restore' },
  );
}

/** 'absent', 'identical' (same checksum), or throws `target-exists` for anything else there. */
export async function inspectTarget(
  target: string,
  checksum: Checksum,
  signal?: AbortSignal,
): Promise<ExistingTarget> {
  let stat;
  try {
    stat = await lstat(target);
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return 'absent';
    throw localFileError(error, target, 'inspect the download target');
  }
  if (!stat.isFile()) throw targetExists(target, 'something other than a regular file is there');
  let existing;
  try {
    existing = await hashFile(target, checksum.algorithm, signal);
  } catch (error) {
    throw localFileError(error, target, 'hash the existing download target');
  }
  if (existing.value === checksum.value) return 'identical';
  throw targetExists(
    target,
    `a different file is there (${checksum.algorithm} ${existing.value}, the object's is ${checksum.value})`,
  );
}

/** A temp name beside the target: same folder (so placing it is atomic), hidden, ending in `.tmp` (scanner ignore). */
export function tempPathFor(target: string): string {
  const base = path.basename(target).slice(0, 100);
  return path.join(path.dirname(target), `.${base}.${randomBytes(6).toString('hex')}.portico.tmp`);
}

export async function removeQuietly(file: string): Promise<void> {
  await unlink(file).catch(() => undefined);
}

/** Makes a directory entry durable (the rename or link that placed a file). */
async function syncDirectory(directory: string): Promise<void> {
  const handle = await open(directory, 'r').catch(() => undefined);
  if (!handle) return;
  // Some file systems cannot fsync a directory (EINVAL, EISDIR); the data itself is synced.
  await handle.sync().catch(() => undefined);
  await handle.close().catch(() => undefined);
}

/**
 * Puts the verified temp file at `target`, atomically and without replacing anything: a hard
 * link fails if the name exists (rename would silently replace it). Where links are not
 * supported, rename after checking the name is free. The temp file is gone afterwards.
 */
export async function placeFile(
  temp: string,
  target: string,
  checksum: Checksum,
): Promise<'placed' | 'identical'> {
  try {
    try {
      await link(temp, target);
    } catch (error) {
      const code = errorCode(error);
      if (code === 'EEXIST') {
        // Another writer placed a file meanwhile: fine if it is the same content.
        if ((await inspectTarget(target, checksum)) === 'identical') return 'identical';
        throw targetExists(target, 'it appeared and vanished while the download was placed');
      }
      if (!code || !NO_LINKS.has(code)) throw localFileError(error, target, 'place the downloaded file at');
      if ((await inspectTarget(target, checksum)) === 'identical') return 'identical';
      await rename(temp, target).catch((renameError: unknown) => {
        throw localFileError(renameError, target, 'rename the downloaded file to');
      });
    }
    await syncDirectory(path.dirname(target));
    return 'placed';
  } finally {
    await removeQuietly(temp);
  }
}
