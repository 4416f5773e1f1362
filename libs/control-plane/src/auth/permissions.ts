/**
 * Who may do what. A request carries one principal, resolved from its bearer token:
 * - admin: the bootstrap admin token from the control plane's config, or an admin token;
 * - node: acts as one node, inside its cluster only;
 * - join: may only register new nodes in one cluster.
 */
export type Principal =
  | { readonly kind: 'admin'; readonly tokenId: string | null }
  | { readonly kind: 'node'; readonly tokenId: string; readonly clusterId: string; readonly nodeId: string }
  | { readonly kind: 'join'; readonly tokenId: string; readonly clusterId: string };

/**
 * What a route requires:
 * - admin: admin only;
 * - member: admin, or a node token of the cluster the resource belongs to (read-only routes);
 * - node: a node token (the route then acts on the token's own node);
 * - join: a join token (node registration).
 */
export type Access = 'admin' | 'member' | 'node' | 'join';

export type Decision = { readonly allowed: true } | { readonly allowed: false; readonly reason: string };

const ALLOWED: Decision = { allowed: true };

/** Whether the principal's kind may call a route at all (before looking at the resource). */
export function mayCall(principal: Principal, access: Access): Decision {
  switch (access) {
    case 'admin':
      return principal.kind === 'admin' ? ALLOWED : deny(principal, 'needs an admin token');
    case 'member':
      return principal.kind === 'admin' || principal.kind === 'node'
        ? ALLOWED
        : deny(principal, 'needs an admin token or a node token of the cluster');
    case 'node':
      return principal.kind === 'node' ? ALLOWED : deny(principal, 'needs a node token');
    case 'join':
      return principal.kind === 'join' ? ALLOWED : deny(principal, 'needs a join token');
  }
}

/**
 * Whether the principal may act on a resource of `clusterId`. `undefined` means the resource
 * does not exist: an admin then gets 404, anyone else 403, so that a node cannot probe ids.
 */
export function mayAccessCluster(principal: Principal, clusterId: string | undefined): Decision {
  if (principal.kind === 'admin') return ALLOWED;
  if (clusterId !== undefined && principal.clusterId === clusterId) return ALLOWED;
  return { allowed: false, reason: `a ${principal.kind} token may only act in its own cluster` };
}

/** Whether a node principal may speak for `nodeId` (telemetry, logs). */
export function mayActAsNode(principal: Principal, nodeId: string): Decision {
  if (principal.kind === 'node' && principal.nodeId === nodeId) return ALLOWED;
  return { allowed: false, reason: 'a node token may only report for its own node' };
}

/** Why a token found in the table cannot be used, or undefined when it can. */
export type TokenRejection = 'unknown' | 'revoked' | 'expired';

export function tokenRejection(
  row: { readonly revoked: boolean; readonly expired: boolean } | undefined,
): TokenRejection | undefined {
  if (!row) return 'unknown';
  if (row.revoked) return 'revoked';
  if (row.expired) return 'expired';
  return undefined;
}

function deny(principal: Principal, what: string): Decision {
  return { allowed: false, reason: `this route ${what}; a ${principal.kind} token was given` };
}
