// The storage root itself cannot be resolved: the NAS is not mounted, or the mount point is
// wrong. That is an outage, not a property of the path, so it is retryable; the storage health
// check (SPEC 2.4) stops the node from taking jobs while it lasts.

export class StorageRootUnavailableError extends Error {
  override readonly name = 'StorageRootUnavailableError';
  /** Retried: the storage may come back. */
  readonly permanent = false;

  constructor(
    readonly mountPoint: string,
    readonly code: string | undefined,
    options?: { cause?: unknown },
  ) {
    super(
      `storage mount point ${mountPoint} cannot be resolved (${code ?? 'unknown error'}); ` +
        'mount the storage there or fix [storage] mount-point',
      options,
    );
  }
}
