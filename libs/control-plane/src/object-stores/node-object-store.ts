// What a node gets about its cluster's storage and object stores (GET /nodes/me/storage): the
// secrets opened, or the env:NAME references it resolves itself, and a version for its ETag.
import { createHash } from 'node:crypto';
import type { NodeObjectStore, ObjectStore, Storage } from '@portico/control-plane-client';
import type { StoredObjectStore } from './object-stores.repository';
import { type SecretBox, SecretUnsealError } from './secret-box';

/** A store that cannot be handed to nodes as it is (its secret does not open with this control plane's key). */
export class UnusableObjectStoreError extends Error {
  override readonly name = 'UnusableObjectStoreError';
}

export function nodeObjectStore(stored: StoredObjectStore, box: SecretBox): NodeObjectStore {
  const { secret: _masked, ...store } = stored.store;
  if ('reference' in stored.secret)
    return { ...store, secretAccessKey: null, secretAccessKeyRef: stored.secret.reference };
  try {
    return {
      ...store,
      secretAccessKey: box.open(stored.secret.sealed, stored.store.id),
      secretAccessKeyRef: null,
    };
  } catch (error) {
    if (!(error instanceof SecretUnsealError)) throw error;
    throw new UnusableObjectStoreError(`object store "${stored.store.name}": ${error.message}`);
  }
}

/**
 * Changes whenever the storage or an object store is created, changed or deleted (their ids and
 * update times), without hashing any secret.
 */
export function storageViewVersion(storage: Storage | undefined, stores: readonly ObjectStore[]): string {
  const parts = [
    storage ? `${storage.id}@${storage.updatedAt}` : '-',
    ...stores.map((store) => `${store.id}@${store.updatedAt}`).sort(),
  ];
  return createHash('sha256').update(parts.join('\n')).digest('hex').slice(0, 16);
}
