// Failures of the TRANSFER role itself (not of S3 or the file system): a configuration that no
// retry can fix, such as an object store the cluster does not have or a secret the node lacks.

export class TransferConfigError extends Error {
  override readonly name = 'TransferConfigError';
  /** Read by the job runtime: the job goes to the dead letter with this message. */
  readonly permanent = true;
}

/** A job's subject is missing from the catalog (removed, or another cluster's): retrying cannot bring it back. */
export class TransferCatalogError extends Error {
  override readonly name = 'TransferCatalogError';
  readonly permanent = true;
}

/** The failure's message, for an event's reason and the job's output. */
export function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
