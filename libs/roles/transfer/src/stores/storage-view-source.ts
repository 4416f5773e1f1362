// The port through which the role learns its cluster's storage and object stores (endpoints,
// buckets, credentials): GET /api/v1/nodes/me/storage on the control plane in production.
import { type NodeStorageView } from '@portico/control-plane-client';

export abstract class StorageViewSource {
  /** The current view; undefined while `version` is still current (HTTP 304). */
  abstract fetch(version?: string): Promise<NodeStorageView | undefined>;
}
