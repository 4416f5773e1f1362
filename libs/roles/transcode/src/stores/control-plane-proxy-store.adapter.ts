// ProxyStoreLocator on the control plane, authenticated as this node. The view is cached and
// re-checked with its ETag at most every `maxAgeMs`; while the control plane is away the last
// answer keeps working (a transcode should not fail because the API blinked).
import { type ControlPlaneClient, type NodeStorageView } from '@portico/control-plane-client';

import { ProxyStoreLocator } from './proxy-store-locator';

export class ControlPlaneProxyStoreLocator extends ProxyStoreLocator {
  private view: NodeStorageView | undefined;
  private fetchedAt = -Infinity;

  constructor(
    private readonly client: Pick<ControlPlaneClient, 'myStorage'>,
    private readonly maxAgeMs = 10_000,
  ) {
    super();
  }

  async proxyStoreId(): Promise<string | undefined> {
    if (!this.view || Date.now() - this.fetchedAt >= this.maxAgeMs) await this.refresh();
    // Several proxy stores are not expected; the oldest one is used so every node picks the same.
    const proxies = (this.view?.objectStores ?? [])
      .filter((store) => store.purpose === 'proxy')
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
    return proxies[0]?.id;
  }

  private async refresh(): Promise<void> {
    try {
      const fresh = await this.client.myStorage(this.view?.version);
      if (fresh) this.view = fresh;
      this.fetchedAt = Date.now();
    } catch (error) {
      if (this.view) return;
      throw new Error(
        "Could not get this node's object stores from the control plane (GET /api/v1/nodes/me/storage): " +
          `${error instanceof Error ? error.message : String(error)}. The job is retried; check that the ` +
          'control plane is reachable.',
        { cause: error },
      );
    }
  }
}
