// A file the hasher cannot open or read, classified so the job runtime knows whether a retry can
// help (`permanent`) and the operator knows what to do.

export type FileAccessReason = 'missing' | 'permission-denied' | 'not-a-file' | 'bad-path' | 'io-error';

interface Classification {
  readonly reason: FileAccessReason;
  /** false: the job is retried with backoff; true: it goes to the dead-letter queue at once. */
  readonly permanent: boolean;
  readonly advice: string;
}

const CLASSES: Readonly<Record<FileAccessReason, Classification>> = {
  // Retryable: an unmounted NAS shows an empty mount point, so every file looks missing during
  // an outage; a file that is really gone is marked removed by the next scan.
  missing: {
    reason: 'missing',
    permanent: false,
    advice: 'it does not exist (removed or renamed, or the storage is not mounted); the job will be retried',
  },
  // Permanent: permissions do not fix themselves within a retry backoff; the operator fixes them
  // and retries the dead job.
  'permission-denied': {
    reason: 'permission-denied',
    permanent: true,
    advice:
      "permission denied; give this node's user read access to it, then retry the dead job (portico jobs retry)",
  },
  'not-a-file': {
    reason: 'not-a-file',
    permanent: true,
    advice: 'it is not a regular file (a directory, FIFO, device or socket) and has no checksum',
  },
  'bad-path': {
    reason: 'bad-path',
    permanent: true,
    advice: 'the path cannot be opened (a symbolic-link loop or a name too long); fix it on the storage',
  },
  // Retryable: NAS trouble (EIO, ESTALE after a server restart, timeouts) usually passes.
  'io-error': {
    reason: 'io-error',
    permanent: false,
    advice:
      'an I/O error on the storage; the job will be retried — check the NAS and the mount if it persists',
  },
};

/** The class of an errno code from open/read/stat. Unknown codes are treated as I/O trouble. */
export function classifyFileError(code: string | undefined): Classification {
  switch (code) {
    case 'ENOENT':
    case 'ENOTDIR':
      return CLASSES.missing;
    case 'EACCES':
    case 'EPERM':
      return CLASSES['permission-denied'];
    case 'EISDIR':
    case 'ENXIO':
    case 'ENODEV':
      return CLASSES['not-a-file'];
    case 'ELOOP':
    case 'ENAMETOOLONG':
      return CLASSES['bad-path'];
    default:
      return CLASSES['io-error'];
  }
}

export class FileAccessError extends Error {
  override readonly name = 'FileAccessError';
  readonly reason: FileAccessReason;
  readonly permanent: boolean;

  constructor(
    readonly path: string,
    /** What the hasher was doing: `open`, `read`, `stat`. */
    readonly operation: string,
    /** The errno code (`EACCES`), or undefined for a check of the hasher's own (`not-a-file`). */
    readonly code: string | undefined,
    options?: { cause?: unknown; reason?: FileAccessReason },
  ) {
    const classification = options?.reason ? CLASSES[options.reason] : classifyFileError(code);
    super(
      `cannot ${operation} ${path} to compute its checksum${code ? ` (${code})` : ''}: ${classification.advice}`,
      options?.cause === undefined ? undefined : { cause: options.cause },
    );
    this.reason = classification.reason;
    this.permanent = classification.permanent;
  }
}

/** The errno code (`ENOENT`) of an error from node:fs, or undefined when it has none. */
export function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}
