import { type BigIntStats } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';

import { hashAlgorithms } from './algorithms';
import { createDigester, type Digester } from './digesters';
import { errorCode, FileAccessError } from './file-access-error';
import { FileChangedError } from './file-changed-error';
import {
  FileHasher,
  type FileHashResult,
  hashResult,
  type HashManyOptions,
  type HashOptions,
} from './file-hasher';
import { fileVersion, versionChanges, type FileVersion } from './file-version';
import { HASH_OPEN_FLAGS } from './hash-file-sync.adapter';
import { HashThreadClient } from './hash-thread-client.adapter';
import { ProgressThrottle } from './progress-throttle';

const KiB = 1024;
const MiB = 1024 * KiB;

export interface NodeFileHasherOptions {
  /**
   * Bytes per read, 64 KiB to 64 MiB. Default 2 MiB: Node's 64 KiB stream default costs about
   * a third of MD5's speed in per-read overhead; 1–4 MiB all reach OpenSSL's speed (see README).
   * hashMany()'s thread reads into one buffer of this size.
   */
  readonly chunkBytes?: number;
  /** Minimum time between progress callbacks of hash(). Default 1000 ms. */
  readonly progressIntervalMs?: number;
  /** How often a long read re-checks the file (fstat) to stop early when it changed. Default 1000 ms. */
  readonly recheckIntervalMs?: number;
}

/**
 * Hashes a file with one pass over it: reads of `chunkBytes` into two reused buffers, the next
 * read running on the thread pool while the current chunk goes through every digest, so memory
 * is two buffers whatever the file size, and reading overlaps hashing.
 *
 * The version is taken with fstat before the first read, and compared after the last with a
 * fresh open of the path (on NFS, an open revalidates the attributes that a plain stat may answer
 * from cache; a new inode at the path means it was replaced). Reading fewer bytes than the size,
 * or any difference, is a FileChangedError. Small files cost an open, a stat, one read, the check
 * and a close: the small-file pipeline (bench/pipeline) hashes thousands a second.
 * Limit: timestamps are only as fine as the file system's, so a same-size rewrite within one clock
 * tick of the previous write is invisible — the ingest's stability window prevents that case.
 *
 * hashMany() runs the same checks with synchronous calls on one worker thread per hasher
 * (hash-thread-client.adapter.ts), so batches of small files cost the caller's event loop one
 * message each.
 */
export class NodeFileHasher extends FileHasher {
  private readonly chunkBytes: number;
  private readonly progressIntervalMs: number;
  private readonly recheckIntervalMs: number;
  /** hashMany()'s thread, started at its first call. */
  private readonly thread: HashThreadClient;

  constructor(options: NodeFileHasherOptions = {}) {
    super();
    this.chunkBytes = options.chunkBytes ?? 2 * MiB;
    this.progressIntervalMs = options.progressIntervalMs ?? 1000;
    this.recheckIntervalMs = options.recheckIntervalMs ?? 1000;
    if (!Number.isInteger(this.chunkBytes) || this.chunkBytes < 64 * KiB || this.chunkBytes > 64 * MiB) {
      throw new RangeError(`chunkBytes must be an integer from 65536 to 67108864, got ${this.chunkBytes}`);
    }
    this.thread = new HashThreadClient({
      chunkBytes: this.chunkBytes,
      recheckIntervalMs: this.recheckIntervalMs,
    });
  }

  async hashMany(
    absolutePaths: readonly string[],
    options: HashManyOptions,
  ): Promise<Array<FileHashResult | Error>> {
    const algorithms = hashAlgorithms(options.algorithms);
    options.signal?.throwIfAborted();
    if (absolutePaths.length === 0) return [];
    return this.thread.hash([...absolutePaths], algorithms, options.signal);
  }

  /**
   * Ends hashMany()'s thread (calls in flight reject); a later call starts a new one. Optional:
   * the thread never keeps a process alive once it has no work.
   */
  async close(): Promise<void> {
    await this.thread.close();
  }

  async hash(absolutePath: string, options: HashOptions): Promise<FileHashResult> {
    const algorithms = hashAlgorithms(options.algorithms);
    options.signal?.throwIfAborted();
    const started = performance.now();
    const digesters = await Promise.all(algorithms.map(createDigester));
    const handle = await openForHashing(absolutePath);
    try {
      const before = await versionOf(handle, absolutePath);
      await this.readThrough(handle, absolutePath, before, digesters, options);
      await assertUnchanged(absolutePath, before);
      return hashResult(digesters, before, started);
    } finally {
      await handle.close().catch(() => undefined);
    }
  }

  private async readThrough(
    handle: FileHandle,
    path: string,
    before: FileVersion,
    digesters: readonly Digester[],
    { signal, onProgress }: HashOptions,
  ): Promise<void> {
    const size = before.size;
    // Small files get small buffers: the small-file pipeline hashes thousands of them.
    const bufferBytes = Math.min(this.chunkBytes, roundUp(size + 1, 64 * KiB));
    // `filling` receives the read in flight while `hashing` (the previous chunk) is digested.
    let filling = Buffer.allocUnsafeSlow(bufferBytes);
    let hashing = Buffer.allocUnsafeSlow(bufferBytes);
    const progress = new ProgressThrottle(this.progressIntervalMs, () => performance.now());
    const recheck = new ProgressThrottle(this.recheckIntervalMs, () => performance.now());
    let position = 0;
    let pending: Promise<number | FileAccessError> | undefined = readChunk(handle, path, filling, 0);
    try {
      for (;;) {
        const bytesRead = await pending;
        pending = undefined;
        if (bytesRead instanceof FileAccessError) throw bytesRead;
        if (bytesRead === 0) break;
        [filling, hashing] = [hashing, filling];
        const chunk = hashing.subarray(0, bytesRead);
        position += bytesRead;
        if (position > size) {
          throw new FileChangedError(path, [`grew beyond its size of ${size} bytes while being read`]);
        }
        signal?.throwIfAborted();
        // Past the size taken before the read, only a file that grew has bytes: the version check
        // after the read sees that, so the read that would return them (or the end) is spared.
        if (position < size) pending = readChunk(handle, path, filling, position);
        for (const digester of digesters) digester.update(chunk);
        if (onProgress && progress.due()) onProgress({ bytesHashed: position, totalBytes: size });
        if (recheck.due()) await assertSameSoFar(handle, path, before);
        if (!pending) break;
      }
    } finally {
      // Never close the file under a read still running on the thread pool.
      if (pending) await pending;
    }
    if (position < size) {
      throw new FileChangedError(path, [`shrank from ${size} to ${position} bytes while being read`]);
    }
    onProgress?.({ bytesHashed: position, totalBytes: size });
  }
}

async function openForHashing(path: string): Promise<FileHandle> {
  try {
    return await open(path, HASH_OPEN_FLAGS);
  } catch (error) {
    throw new FileAccessError(path, 'open', errorCode(error), { cause: error });
  }
}

async function statOf(handle: FileHandle, path: string): Promise<BigIntStats> {
  try {
    return await handle.stat({ bigint: true });
  } catch (error) {
    throw new FileAccessError(path, 'stat', errorCode(error), { cause: error });
  }
}

async function versionOf(handle: FileHandle, path: string): Promise<FileVersion> {
  const stats = await statOf(handle, path);
  if (!stats.isFile()) throw new FileAccessError(path, 'read', undefined, { reason: 'not-a-file' });
  return fileVersion(stats);
}

/**
 * Resolves with the bytes read or the error, never rejects: a read ahead can fail while the loop
 * awaits something else (the re-check), and a rejection nobody awaits yet would be an unhandled
 * rejection, which ends the process.
 */
async function readChunk(
  handle: FileHandle,
  path: string,
  buffer: Buffer,
  position: number,
): Promise<number | FileAccessError> {
  try {
    return (await handle.read(buffer, 0, buffer.length, position)).bytesRead;
  } catch (error) {
    return new FileAccessError(path, 'read', errorCode(error), { cause: error });
  }
}

/** Mid-read check of the open file, so a long hash of a file being rewritten stops early. */
async function assertSameSoFar(handle: FileHandle, path: string, before: FileVersion): Promise<void> {
  const changes = versionChanges(before, fileVersion(await statOf(handle, path)));
  if (changes.length > 0) throw new FileChangedError(path, changes);
}

/**
 * The file at the path is still the version read: a fresh open (which revalidates cached
 * attributes on NFS) finds the same inode, size and mtime. A change made through the descriptor's
 * inode shows there too, so the descriptor itself needs no second stat.
 */
async function assertUnchanged(path: string, before: FileVersion): Promise<void> {
  let viaPath: FileVersion;
  let reopened: FileHandle;
  try {
    reopened = await open(path, HASH_OPEN_FLAGS);
  } catch (error) {
    const code = errorCode(error);
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new FileChangedError(path, ['removed or renamed while being read']);
    }
    throw new FileAccessError(path, 'open', code, { cause: error });
  }
  try {
    viaPath = fileVersion(await statOf(reopened, path));
  } finally {
    await reopened.close().catch(() => undefined);
  }
  const changes = versionChanges(before, viaPath);
  if (changes.length > 0) throw new FileChangedError(path, changes);
}

function roundUp(value: number, multiple: number): number {
  return Math.ceil(value / multiple) * multiple;
}
