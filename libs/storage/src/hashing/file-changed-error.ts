// A file that changed while it was hashed gets no checksum: the sum would belong to no version
// of it. Retryable: the ingest waits for files to be stable, so a later attempt normally hashes
// the settled file.

export class FileChangedError extends Error {
  override readonly name = 'FileChangedError';
  /** Retried later (with the job's backoff), never recorded as a sum. */
  readonly permanent = false;

  constructor(
    readonly path: string,
    /** What differed, one entry per change, for the operator. */
    readonly changes: readonly string[],
  ) {
    super(
      `${path} changed while it was being hashed (${changes.join('; ')}); ` +
        'no checksum was recorded and the job will be retried once the file has stopped changing',
    );
  }
}
