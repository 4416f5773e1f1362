import { existsSync } from 'node:fs';
import { type ControlPlaneClient, ControlPlaneError, type RoleName } from '@portico/control-plane-client';
import { loadLocalConfig } from '@portico/settings';

export interface LocalNodeIdentity {
  nodeId: string;
  token: string;
}

/** The cluster `portico up` runs, created on the first run. */
export async function ensureCluster(
  admin: ControlPlaneClient,
  name: string,
): Promise<{ id: string; name: string }> {
  const { items } = await admin.listClusters();
  // A local folder is cheap to rescan: every 10 s, so that a file copied in shows up within
  // seconds rather than the product default's minute (change it with `portico settings set`).
  return (
    items.find((cluster) => cluster.name === name) ??
    (await admin.createCluster({ name, settings: { scan_interval_seconds: 10 } }))
  );
}

/** The cluster's storage (the watched folder) and its proxy and archive stores on the local S3 endpoint. */
export async function ensureStorageAndStores(
  admin: ControlPlaneClient,
  clusterId: string,
  s3: { endpoint: string; region: string; accessKeyId: string; secretAccessKey: string },
  buckets: { proxy: string; archive: string },
): Promise<void> {
  const { items: storages } = await admin.listStorages(clusterId);
  if (storages.length === 0) await admin.createStorage(clusterId, { name: 'local-storage' });
  const { items: stores } = await admin.listObjectStores(clusterId);
  for (const purpose of ['proxy', 'archive'] as const) {
    const existing = stores.find((store) => store.purpose === purpose);
    const bucket = buckets[purpose];
    if (!existing) {
      await admin.createObjectStore(clusterId, {
        name: `local-${purpose}`,
        purpose,
        endpoint: s3.endpoint,
        region: s3.region,
        bucket,
        pathStyle: true,
        accessKeyId: s3.accessKeyId,
        secretAccessKey: s3.secretAccessKey,
      });
    } else if (existing.endpoint !== s3.endpoint) {
      // The local endpoint gets a new port at every run.
      await admin.updateObjectStore(existing.id, { endpoint: s3.endpoint });
    }
  }
}

/**
 * A node keeps its identity across runs: when its config.ini already names a node whose token
 * still works, it is reused; otherwise the node is created (or found by name) and given a new
 * node token.
 */
export async function ensureNode(
  admin: ControlPlaneClient,
  clusterId: string,
  options: { name: string; roles: RoleName[]; configFile: string },
): Promise<LocalNodeIdentity> {
  const previous = readIdentity(options.configFile);
  if (previous) {
    try {
      const self = await admin.withToken(previous.token).me();
      if (self?.node.id === previous.nodeId && self.cluster.id === clusterId) return previous;
    } catch (error) {
      if (!(error instanceof ControlPlaneError)) throw error;
    }
  }
  const { items } = await admin.listNodes(clusterId);
  const node =
    items.find((candidate) => candidate.name === options.name) ??
    (await admin.createNode(clusterId, { name: options.name, roles: options.roles }));
  const token = await admin.createToken({
    kind: 'node',
    clusterId,
    nodeId: node.id,
    description: `portico up ${options.name}`,
  });
  return { nodeId: node.id, token: token.token };
}

function readIdentity(configFile: string): LocalNodeIdentity | undefined {
  if (!existsSync(configFile)) return undefined;
  try {
    const config = loadLocalConfig({ argv: [], env: { PORTICO_CONFIG: configFile }, cwd: process.cwd() });
    const { storageGatewayId, authToken } = config.main;
    return storageGatewayId && authToken ? { nodeId: storageGatewayId, token: authToken } : undefined;
  } catch {
    return undefined;
  }
}
