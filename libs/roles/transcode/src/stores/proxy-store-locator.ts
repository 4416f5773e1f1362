// Port: the id of the cluster's proxy object store, where outputs are uploaded (from
// GET /api/v1/nodes/me/storage in production: control-plane-proxy-store.adapter.ts).
export abstract class ProxyStoreLocator {
  /** The proxy store's id, or undefined when the cluster has none (outputs stay on the storage). */
  abstract proxyStoreId(): Promise<string | undefined>;
}
