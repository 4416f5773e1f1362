// One node's view of its cluster's storage and object stores (GET /api/v1/nodes/me/storage),
// shared by every role of the node. It is re-checked with its ETag at most every `maxAgeMs` (or at
// once when forced, e.g. for an id the view does not know yet), so a credential or endpoint change
// on the control plane reaches the next job; while the control plane is unreachable the last view
// keeps working, with one warning per outage.
import { type NodeStorageView } from './contracts/storages';

export interface StorageViewCacheOptions {
  /** How long a view is used without asking the control plane. Default 10 s. */
  readonly maxAgeMs?: number;
  readonly logger?: { warn(fields: object, message: string): void };
  readonly now?: () => number;
}

/** Fetches the view; undefined while `version` is still current (HTTP 304). */
export type StorageViewFetch = (version?: string) => Promise<NodeStorageView | undefined>;

export class StorageViewCache {
  private view: NodeStorageView | undefined;
  private fetchedAt = -Infinity;
  private inFlight: Promise<NodeStorageView> | undefined;
  private failing = false;
  private readonly now: () => number;

  constructor(
    private readonly fetch: StorageViewFetch,
    private readonly options: StorageViewCacheOptions = {},
  ) {
    this.now = options.now ?? Date.now;
  }

  /** The view, from the cache while it is fresh (unless `force`); concurrent callers share one request. */
  async current(force = false): Promise<NodeStorageView> {
    const maxAge = this.options.maxAgeMs ?? 10_000;
    if (this.view && !force && this.now() - this.fetchedAt < maxAge) return this.view;
    this.inFlight ??= this.refresh().finally(() => (this.inFlight = undefined));
    return this.inFlight;
  }

  private async refresh(): Promise<NodeStorageView> {
    try {
      const fresh = await this.fetch(this.view?.version);
      if (fresh) this.view = fresh;
      this.fetchedAt = this.now();
      this.failing = false;
      if (!this.view) throw new Error('the control plane answered "not modified" to a first request');
      return this.view;
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      // Stale but usable: jobs go on while the control plane is briefly away.
      if (this.view) {
        this.fetchedAt = this.now();
        if (!this.failing)
          this.options.logger?.warn(
            { err: reason },
            "could not refresh this node's storage configuration; using the last one",
          );
        this.failing = true;
        return this.view;
      }
      throw new Error(
        `Could not get this node's storage configuration from the control plane ` +
          `(GET /api/v1/nodes/me/storage): ${reason}. The job is retried; check that the control plane is reachable.`,
        { cause: error },
      );
    }
  }
}
