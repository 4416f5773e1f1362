// Errors of the catalog repositories. Each says what failed, on which row, and what to do.

/** A write would break a catalog invariant (e.g. a move onto a path that holds the same content version). */
export class CatalogConflictError extends Error {
  override readonly name = 'CatalogConflictError';
}

/** A row the write needs does not exist in the cluster (or was removed). */
export class CatalogNotFoundError extends Error {
  override readonly name = 'CatalogNotFoundError';
}

/**
 * The event is not (or no longer) claimed by this term, or was dispatched already: nothing was
 * written. Throwing it inside the fenced transaction rolls back the jobs enqueued with it.
 */
export class EventClaimLostError extends Error {
  override readonly name = 'EventClaimLostError';
  constructor(
    readonly eventId: string,
    readonly term: number,
  ) {
    super(
      `event ${eventId} is not claimed by term ${term} awaiting dispatch (another term took it, or it ` +
        'was dispatched already); roll back and poll again',
    );
  }
}
