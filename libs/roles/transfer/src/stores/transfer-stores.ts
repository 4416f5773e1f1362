// Maps a payload's object store id to an open ObjectStore, from the node's storage view (shared by
// the node's roles, see StorageViewCache; an unknown id forces a re-check, so a store added on the
// control plane is found at once). Opened stores are reused until their configuration changes.
import {
  type NodeObjectStore,
  type ObjectStorePurpose,
  resolveObjectStoreCredentials,
  type StorageViewCache,
} from '@portico/control-plane-client';
import { type ObjectStore, type ObjectStoreConfig, type ObjectStoreFactory } from '@portico/object-store';

import { TransferConfigError } from '../support/transfer-errors';

export interface TransferStoresOptions {
  /** The node's environment, for `env:NAME` secret references. */
  readonly env: Readonly<Record<string, string | undefined>>;
}

interface OpenStore {
  readonly fingerprint: string;
  readonly store: ObjectStore;
}

export class TransferStores {
  private readonly open = new Map<string, OpenStore>();

  constructor(
    private readonly views: StorageViewCache,
    private readonly factory: ObjectStoreFactory,
    private readonly options: TransferStoresOptions,
  ) {}

  /**
   * The store with this id, which must have one of `purposes`. Throws TransferConfigError
   * (permanent) when the cluster has no such store, it serves another purpose, or its secret
   * cannot be resolved on this node.
   */
  async store(storeId: string, purposes: readonly ObjectStorePurpose[]): Promise<ObjectStore> {
    let view = await this.views.current();
    let found = view.objectStores.find((store) => store.id === storeId);
    if (!found) {
      view = await this.views.current(true);
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
    return (await this.views.current()).storage?.id;
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
}
