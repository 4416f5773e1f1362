// Maps a payload's object store id to an open ObjectStore, from the node's storage view. The view
// is cached and re-checked with its ETag at most every `maxAgeMs` (or at once for an unknown id),
// so a credential or endpoint change on the control plane reaches the next transfer; while the
// control plane is unreachable the last view keeps working. Opened stores are reused until their
// configuration changes.
import {
  type NodeObjectStore,
  type NodeStorageView,
  type ObjectStorePurpose,
  resolveObjectStoreCredentials,
} from '@portico/control-plane-client';
import { type ObjectStore, type ObjectStoreConfig, type ObjectStoreFactory } from '@portico/object-store';

import { TransferConfigError } from '../support/transfer-errors';
import { type StorageViewSource } from './storage-view-source';

export interface TransferStoresLogger {
  warn(fields: object, message: string): void;
}

export interface TransferStoresOptions {
  /** The node's environment, for `env:NAME` secret references. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** How long a view is used without asking the control plane. Default 10 s. */
  readonly maxAgeMs?: number;
  readonly logger?: TransferStoresLogger;
  readonly now?: () => number;
}

interface OpenStore {
  readonly fingerprint: string;
  readonly store: ObjectStore;
}

export class TransferStores {
  private view: NodeStorageView | undefined;
  private fetchedAt = -Infinity;
  private inFlight: Promise<NodeStorageView> | undefined;
  private readonly open = new Map<string, OpenStore>();
  private readonly now: () => number;

  constructor(
    private readonly source: StorageViewSource,
    private readonly factory: ObjectStoreFactory,
    private readonly options: TransferStoresOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  /**
   * The store with this id, which must have one of `purposes`. Throws TransferConfigError
   * (permanent) when the cluster has no such store, it serves another purpose, or its secret
   * cannot be resolved on this node.
   */
  async store(storeId: string, purposes: readonly ObjectStorePurpose[]): Promise<ObjectStore> {
    let view = await this.currentView(false);
    let found = view.objectStores.find((store) => store.id === storeId);
    if (!found) {
      view = await this.currentView(true);
      found = view.objectStores.find((store) => store.id === storeId);
    }
    if (!found)
      throw new TransferConfigError(
        `Object store ${storeId} is not one of this cluster's object stores (it may have been deleted); ` +
          'configure it on the control plane, then retry the job from the dead letters.',
      );
    if (!purposes.includes(found.purpose))
      throw new TransferConfigError(
        `Object store "${found.name}" (${storeId}) is a ${found.purpose} store; this transfer needs a ` +
          `${purposes.join(' or ')} store. Fix the request or the store's purpose on the control plane.`,
      );
    return this.opened(found);
  }

  /** The cluster's storage id, from the view (undefined when the cluster has none configured). */
  async storageId(): Promise<string | undefined> {
    return (await this.currentView(false)).storage?.id;
  }

  close(): void {
    for (const { store } of this.open.values()) store.close();
    this.open.clear();
  }

  private opened(definition: NodeObjectStore): ObjectStore {
    const config = this.configOf(definition);
    const fingerprint = JSON.stringify(config);
    const existing = this.open.get(definition.id);
    if (existing?.fingerprint === fingerprint) return existing.store;
    existing?.store.close();
    try {
      const store = this.factory.open(config);
      this.open.set(definition.id, { fingerprint, store });
      return store;
    } catch (error) {
      this.open.delete(definition.id);
      throw error;
    }
  }

  private configOf(definition: NodeObjectStore): ObjectStoreConfig {
    let credentials: { accessKeyId: string; secretAccessKey: string };
    try {
      credentials = resolveObjectStoreCredentials(definition, this.options.env);
    } catch (error) {
      throw new TransferConfigError(error instanceof Error ? error.message : String(error));
    }
    return {
      endpoint: definition.endpoint,
      region: definition.region,
      bucket: definition.bucket,
      prefix: definition.prefix,
      forcePathStyle: definition.pathStyle,
      credentials,
    };
  }

  private async currentView(force: boolean): Promise<NodeStorageView> {
    const maxAge = this.options.maxAgeMs ?? 10_000;
    if (this.view && !force && this.now() - this.fetchedAt < maxAge) return this.view;
    this.inFlight ??= this.refresh().finally(() => (this.inFlight = undefined));
    return this.inFlight;
  }

  private async refresh(): Promise<NodeStorageView> {
    try {
      const fresh = await this.source.fetch(this.view?.version);
      if (fresh) this.view = fresh;
      this.fetchedAt = this.now();
      if (!this.view) throw new Error('the control plane answered "not modified" to a first request');
      return this.view;
    } catch (error) {
      // Stale but usable: transfers go on while the control plane is briefly away.
      if (this.view) {
        this.options.logger?.warn(
          { err: error instanceof Error ? error.message : String(error) },
          'could not refresh the object store configuration; using the last one',
        );
        return this.view;
      }
      throw new Error(
        `Could not get this node's object store configuration from the control plane ` +
          `(GET /api/v1/nodes/me/storage): ${error instanceof Error ? error.message : String(error)}. ` +
          'The job is retried; check that the control plane is reachable.',
        { cause: error },
      );
    }
  }
}
