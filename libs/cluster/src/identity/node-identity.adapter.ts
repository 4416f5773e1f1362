import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { ControlPlaneClient, type NodeSelf, type RoleName } from '@portico/control-plane-client';
import { proposedNodeName } from './node-name';

/** How a process proves which node it is (SPEC 3.2): a node id + node token, or a join token. */
export type IdentitySource =
  | { kind: 'node'; nodeId: string; token: string }
  | { kind: 'join'; joinToken: string; app: string; roles: RoleName[] };

export interface NodeIdentity {
  nodeId: string;
  clusterId: string;
  /** The node token every later call uses (issued at registration for a join token). */
  client: ControlPlaneClient;
  registered: boolean;
  self: NodeSelf;
}

/**
 * Resolves this process's node on the control plane. With a join token it registers a new
 * node first; with a node id it checks that the token really belongs to that node.
 */
export async function resolveNodeIdentity(
  baseClient: ControlPlaneClient,
  source: IdentitySource,
): Promise<NodeIdentity> {
  if (source.kind === 'join') {
    const host = hostname();
    const registration = await baseClient.withToken(source.joinToken).registerNode({
      name: proposedNodeName(host, source.app, randomBytes(2).toString('hex')),
      roles: source.roles,
      app: source.app,
      hostname: host,
    });
    const client = baseClient.withToken(registration.token);
    const self = (await client.me())!;
    return { nodeId: self.node.id, clusterId: self.cluster.id, client, registered: true, self };
  }
  const client = baseClient.withToken(source.token);
  const self = (await client.me())!;
  if (self.node.id !== source.nodeId) {
    throw new Error(
      `storage-gateway-id ${source.nodeId} does not match the node of its auth-token (${self.node.id}); fix [main] storage-gateway-id or auth-token`,
    );
  }
  return { nodeId: self.node.id, clusterId: self.cluster.id, client, registered: false, self };
}
