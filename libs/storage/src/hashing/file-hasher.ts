// Port: one read of a file computes every requested checksum (SPEC 2.6 CHECKSUM). The adapter is
// file-hasher.adapter.ts.
import { type HashAlgorithm } from './algorithms';
import { type Digester } from './digesters';
import { type FileVersion, mtimeMs } from './file-version';

export interface HashProgress {
  readonly bytesHashed: number;
  /** The size when hashing started. */
  readonly totalBytes: number;
}

export interface HashOptions {
  /** One or more of `HASH_ALGORITHMS`, each at most once. */
  readonly algorithms: readonly HashAlgorithm[];
  /** Aborting stops at the next chunk and rejects with the signal's reason; the file is closed. */
  readonly signal?: AbortSignal;
  /** Called at most once per progress interval, and once more when the whole file is read. */
  readonly onProgress?: (progress: HashProgress) => void;
}

export interface HashManyOptions {
  /** One or more of `HASH_ALGORITHMS`, each at most once; the same for every file of the call. */
  readonly algorithms: readonly HashAlgorithm[];
  /**
   * Aborting rejects the whole call with the signal's reason: files not yet hashed are not
   * opened, the one being read stops at its next chunk and is closed.
   */
  readonly signal?: AbortSignal;
}

export interface Checksum {
  readonly algorithm: HashAlgorithm;
  /** Lower-case hex. */
  readonly value: string;
}

export interface FileHashResult {
  /** In the order requested; the shape of the job contracts' `checksum`. */
  readonly checksums: readonly Checksum[];
  /** The version hashed: the same before and after the read. */
  readonly version: FileVersion;
  readonly size: number;
  /** Whole milliseconds since the epoch (truncated), as job payloads carry it. */
  readonly mtimeMs: number;
  readonly durationMs: number;
}

/** The result of a read that found the file unchanged: every digest, and the version read. */
export function hashResult(
  digesters: readonly Digester[],
  version: FileVersion,
  startedMs: number,
): FileHashResult {
  return {
    checksums: digesters.map((digester) => ({ algorithm: digester.algorithm, value: digester.hex() })),
    version,
    size: version.size,
    mtimeMs: mtimeMs(version),
    durationMs: performance.now() - startedMs,
  };
}

export abstract class FileHasher {
  /**
   * Hashes the file at `absolutePath` (resolve storage paths with `StoragePaths` first).
   * Rejects with `FileChangedError` (retryable) when the file changed while it was read,
   * `FileAccessError` (`permanent` set by cause) when it cannot be opened or read,
   * `InvalidHashRequestError` (permanent) for a bad algorithm list, or the signal's reason.
   */
  abstract hash(absolutePath: string, options: HashOptions): Promise<FileHashResult>;

  /**
   * Hashes a batch of small files (the CHECKSUM role sends files of at most 1 MiB): one after
   * another on one thread beside the caller's, with synchronous reads, so the caller's event loop
   * pays one message per batch instead of several file-system round trips per file. A large file
   * here delays the rest of its batch and the calls queued behind it, and reports no progress:
   * hash it with `hash()`.
   *
   * Resolves with one entry per path, in order: its `FileHashResult`, or the error `hash()` would
   * reject with for it (`FileChangedError`, `FileAccessError`, same classes and messages), returned
   * rather than thrown so one file's failure leaves the others' results. The whole call rejects
   * with `InvalidHashRequestError` for a bad algorithm list, with the signal's reason when
   * aborted, or with an `Error` naming the failure when the hashing thread died (retry the batch).
   */
  abstract hashMany(
    absolutePaths: readonly string[],
    options: HashManyOptions,
  ): Promise<Array<FileHashResult | Error>>;
}
