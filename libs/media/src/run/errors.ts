// The errors of the media library. `permanent` is what the job runtime reads (duck-typed): a
// permanent failure goes to the dead letters without retries, any other is retried with backoff.

export type MediaToolName = 'ffprobe' | 'ffmpeg';

export abstract class MediaError extends Error {
  abstract readonly permanent: boolean;
}

/**
 * The input cannot be read as media: corrupt, truncated, empty, or a format or codec ffmpeg does
 * not support. The same file fails the same way on every node, so it is never retried.
 */
export class MediaInputError extends MediaError {
  override readonly name = 'MediaInputError';
  readonly permanent = true;

  constructor(
    readonly file: string,
    readonly tool: MediaToolName,
    /** ffmpeg's own words (its last meaningful stderr lines), or what the pre-check found. */
    readonly reason: string,
  ) {
    super(
      `${tool} cannot read ${file} as media: ${reason}. The file is corrupt, truncated, empty or in a format ` +
        'ffmpeg does not support; retrying cannot help — replace the file, or leave it without proxies.',
    );
  }
}

export type TimeoutKind = 'wall-clock' | 'stalled';

/** The tool ran past its wall-clock limit or made no progress for too long, and was killed. */
export class MediaTimeoutError extends MediaError {
  override readonly name = 'MediaTimeoutError';
  readonly permanent = false;

  constructor(
    readonly file: string,
    readonly tool: MediaToolName,
    readonly kind: TimeoutKind,
    readonly limitMs: number,
    /** The killed process, also its process group id. */
    readonly pid: number | undefined,
  ) {
    const seconds = Math.round(limitMs / 100) / 10;
    const ended =
      pid === undefined
        ? 'was given up before it started (the input did not answer)'
        : `was killed with its process group (pid ${pid})`;
    super(
      kind === 'stalled'
        ? `${tool} made no progress on ${file} for ${seconds} s and ${ended}; the job will be retried. ` +
            'If this repeats, check that the storage still answers reads of this file.'
        : `${tool} ran longer than its ${seconds} s limit on ${file} and ${ended}; the job will be retried. ` +
            'If the file is long or the node slow, raise the limit.',
    );
  }
}

/** The caller's abort signal stopped the run; the process group was killed and outputs removed. */
export class MediaAbortedError extends MediaError {
  override readonly name = 'MediaAbortedError';
  readonly permanent = false;

  constructor(
    readonly file: string,
    readonly tool: MediaToolName,
    readonly pid: number | undefined,
    cause: unknown,
  ) {
    super(
      `${tool} on ${file} was stopped because its job was aborted${pid === undefined ? '' : ` (pid ${pid} killed)`}`,
      {
        cause,
      },
    );
  }
}

/**
 * The tool failed for a reason that may pass: missing or unreadable input path, I/O error, disk
 * full, killed by someone else, ffmpeg not installed. Retried; a job that keeps failing ends in
 * the dead letters with this message.
 */
export class MediaProcessError extends MediaError {
  override readonly name = 'MediaProcessError';
  readonly permanent = false;

  constructor(
    readonly file: string,
    readonly tool: MediaToolName,
    readonly detail: string,
    options?: { cause?: unknown },
  ) {
    super(`${tool} failed on ${file}: ${detail}; the job will be retried`, options);
  }
}
