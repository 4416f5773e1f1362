// StorageViewSource on the control plane, authenticated as this node (its ETag makes a check cheap).
import { type ControlPlaneClient, type NodeStorageView } from '@portico/control-plane-client';

import { StorageViewSource } from './storage-view-source';

export class ControlPlaneStorageViewSource extends StorageViewSource {
  constructor(private readonly client: ControlPlaneClient) {
    super();
  }

  fetch(version?: string): Promise<NodeStorageView | undefined> {
    return this.client.myStorage(version);
  }
}
