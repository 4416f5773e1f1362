// hash() of file-hasher.adapter.ts with synchronous system calls, for the checksum thread
// (hash-thread.adapter.ts): the same checks in the same order, so the same failures with the same
// messages. A synchronous call costs what a libuv pool thread pays anyway, minus the event-loop
// round trip that hash() pays for each of them.
import { closeSync, constants, fstatSync, openSync, readSync, type BigIntStats } from 'node:fs';

import { type Digester } from './digesters';
import { errorCode, FileAccessError } from './file-access-error';
import { FileChangedError } from './file-changed-error';
import { type FileHashResult, hashResult } from './file-hasher';
import { fileVersion, versionChanges, type FileVersion } from './file-version';
import { ProgressThrottle } from './progress-throttle';

/**
 * O_NONBLOCK: opening a FIFO must not park a thread until some writer appears (the FIFO is then
 * refused as not a regular file). It has no effect on reads of regular files.
 */
export const HASH_OPEN_FLAGS = constants.O_RDONLY | constants.O_NONBLOCK;

export interface SyncReadOptions {
  /** Reused for every read: a file larger than it is read in chunks of its length. */
  readonly buffer: Buffer;
  /** How often a long read re-checks the open file (fstat) to stop early when it changed. */
  readonly recheckIntervalMs: number;
  /** Asked between chunks: true stops the read (the file is closed, nothing is returned). */
  readonly stopped: () => boolean;
}

/**
 * Hashes one file into `digesters` (fresh ones, one per algorithm, in the order requested).
 * Returns undefined when `stopped()` said so; throws FileAccessError or FileChangedError exactly
 * where hash() rejects with them. The descriptor is closed on every path.
 */
export function hashFileSync(
  path: string,
  digesters: readonly Digester[],
  options: SyncReadOptions,
): FileHashResult | undefined {
  const started = performance.now();
  const fd = openForHashing(path);
  try {
    const before = versionOf(fd, path);
    if (!readThrough(fd, path, before, digesters, options)) return undefined;
    assertUnchanged(path, before);
    return hashResult(digesters, before, started);
  } finally {
    closeQuietly(fd);
  }
}

/** Reads the whole file once (the first read always, as hash() does); false when stopped. */
function readThrough(
  fd: number,
  path: string,
  before: FileVersion,
  digesters: readonly Digester[],
  { buffer, recheckIntervalMs, stopped }: SyncReadOptions,
): boolean {
  const size = before.size;
  const recheck = new ProgressThrottle(recheckIntervalMs, () => performance.now());
  let position = 0;
  do {
    const bytesRead = readChunk(fd, path, buffer, position);
    if (bytesRead === 0) break;
    position += bytesRead;
    if (position > size) {
      throw new FileChangedError(path, [`grew beyond its size of ${size} bytes while being read`]);
    }
    if (stopped()) return false;
    const chunk = buffer.subarray(0, bytesRead);
    for (const digester of digesters) digester.update(chunk);
    if (recheck.due()) assertSameSoFar(fd, path, before);
  } while (position < size);
  if (position < size) {
    throw new FileChangedError(path, [`shrank from ${size} to ${position} bytes while being read`]);
  }
  return true;
}

function openForHashing(path: string): number {
  try {
    return openSync(path, HASH_OPEN_FLAGS);
  } catch (error) {
    throw new FileAccessError(path, 'open', errorCode(error), { cause: error });
  }
}

function statOf(fd: number, path: string): BigIntStats {
  try {
    return fstatSync(fd, { bigint: true });
  } catch (error) {
    throw new FileAccessError(path, 'stat', errorCode(error), { cause: error });
  }
}

function versionOf(fd: number, path: string): FileVersion {
  const stats = statOf(fd, path);
  if (!stats.isFile()) throw new FileAccessError(path, 'read', undefined, { reason: 'not-a-file' });
  return fileVersion(stats);
}

function readChunk(fd: number, path: string, buffer: Buffer, position: number): number {
  try {
    return readSync(fd, buffer, 0, buffer.length, position);
  } catch (error) {
    throw new FileAccessError(path, 'read', errorCode(error), { cause: error });
  }
}

/** Mid-read check of the open file, so a long read of a file being rewritten stops early. */
function assertSameSoFar(fd: number, path: string, before: FileVersion): void {
  const changes = versionChanges(before, fileVersion(statOf(fd, path)));
  if (changes.length > 0) throw new FileChangedError(path, changes);
}

/**
 * The file at the path is still the version read: a fresh open (which revalidates cached
 * attributes on NFS) finds the same inode, size and times.
 */
function assertUnchanged(path: string, before: FileVersion): void {
  let reopened: number;
  try {
    reopened = openSync(path, HASH_OPEN_FLAGS);
  } catch (error) {
    const code = errorCode(error);
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new FileChangedError(path, ['removed or renamed while being read']);
    }
    throw new FileAccessError(path, 'open', code, { cause: error });
  }
  let viaPath: FileVersion;
  try {
    viaPath = fileVersion(statOf(reopened, path));
  } finally {
    closeQuietly(reopened);
  }
  const changes = versionChanges(before, viaPath);
  if (changes.length > 0) throw new FileChangedError(path, changes);
}

/** A close error (EIO on NFS) after a complete read changes nothing about what was read. */
function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // hash() ignores it the same way: the sum is of the bytes read and checked.
  }
}
