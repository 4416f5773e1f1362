// ProxyStoreLocator over the node's storage view (StorageViewCache: re-checked with its ETag,
// shared with the other roles; while the control plane is away the last answer keeps working, so a
// transcode does not fail because the API blinked).
import { type StorageViewCache } from '@portico/control-plane-client';

import { ProxyStoreLocator } from './proxy-store-locator';

export class ControlPlaneProxyStoreLocator extends ProxyStoreLocator {
  constructor(private readonly views: Pick<StorageViewCache, 'current'>) {
    super();
  }

  async proxyStoreId(): Promise<string | undefined> {
    const view = await this.views.current();
    // Several proxy stores are not expected; the oldest one is used so every node picks the same.
    const proxies = view.objectStores
      .filter((store) => store.purpose === 'proxy')
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
    return proxies[0]?.id;
  }
}
