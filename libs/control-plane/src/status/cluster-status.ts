import { ROLE_NAMES, type ClusterStatus, type NodeStatus } from '@portico/control-plane-client';
import { isSilent, offlineReason } from '../telemetry/node-status';
import { deriveCatalogStatus, type StatusCatalogCounts } from './catalog-status';
import { deriveStorageStatus, type LeaderScanReport, type StatusStorage } from './storage-status';

type RoleName = (typeof ROLE_NAMES)[number];

export interface StatusNode {
  readonly id: string;
  readonly name: string;
  readonly roles: readonly RoleName[];
  readonly status: NodeStatus;
  readonly statusReason: string | null;
  readonly lastSeenAt: Date | null;
  readonly telemetryIntervalSeconds: number | null;
  readonly workerId: string | null;
  readonly version: string | null;
  /** The scan progress of its last telemetry (a leader reports it), if any. */
  readonly scan?: Omit<LeaderScanReport, 'receivedAt'> | null;
}

export interface StatusLease {
  readonly term: number;
  readonly leaderNodeId: string | null;
  readonly leaderWorkerId: string | null;
  readonly expiresAt: Date;
}

export interface StatusInput {
  readonly cluster: { readonly id: string; readonly name: string };
  readonly nodes: readonly StatusNode[];
  readonly lease: StatusLease | null;
  /** The cluster's storage (one at most) with its scan state. */
  readonly storages: readonly StatusStorage[];
  readonly catalog: StatusCatalogCounts;
  /** The database clock: lease expiry and silence are measured against it, never a node's clock. */
  readonly now: Date;
}

const HEALTHY: ReadonlySet<NodeStatus> = new Set(['Active', 'Warning']);

/**
 * What `portico status` shows: each node's effective status (a node that went silent shows
 * Offline even before the periodic sweep records it), the leader, per-role counts of healthy
 * nodes, and whether the cluster is fully operational — every role held by a healthy node and
 * a current leader among its MAIN nodes.
 */
export function deriveClusterStatus(input: StatusInput): ClusterStatus {
  const { now, lease } = input;
  const leaseCurrent =
    lease !== null && lease.leaderNodeId !== null && lease.expiresAt.getTime() > now.getTime();
  const nodes = input.nodes.map((node) => {
    const silent =
      HEALTHY.has(node.status) &&
      node.lastSeenAt !== null &&
      isSilent(node.lastSeenAt, node.telemetryIntervalSeconds, now);
    return {
      node,
      status: silent ? ('Offline' as const) : node.status,
      statusReason: silent && node.lastSeenAt ? offlineReason(node.lastSeenAt, now) : node.statusReason,
      isLeader: leaseCurrent && lease.leaderNodeId === node.id,
    };
  });

  const roles = Object.fromEntries(ROLE_NAMES.map((role) => [role, 0])) as Record<RoleName, number>;
  for (const entry of nodes) {
    if (!HEALTHY.has(entry.status)) continue;
    for (const role of entry.node.roles) roles[role] += 1;
  }

  const problems: string[] = [];
  for (const role of ROLE_NAMES) {
    if (roles[role] === 0) problems.push(`no Active or Warning node holds the ${role} role`);
  }
  const leaderEntry = nodes.find((entry) => entry.isLeader);
  if (!leaseCurrent) {
    problems.push(
      lease === null
        ? 'no leader has been elected yet among the MAIN nodes'
        : `no current leader: the lease of term ${lease.term} expired or was released`,
    );
  } else if (!leaderEntry || !leaderEntry.node.roles.includes('MAIN')) {
    problems.push('the lease holder is not a MAIN node of this cluster');
  }

  // The live scan numbers come from the current leader only, while it is not silent.
  const leaderScan: LeaderScanReport | null =
    leaderEntry && leaderEntry.status !== 'Offline' && leaderEntry.node.scan && leaderEntry.node.lastSeenAt
      ? { ...leaderEntry.node.scan, receivedAt: leaderEntry.node.lastSeenAt }
      : null;

  return {
    cluster: { id: input.cluster.id, name: input.cluster.name },
    leader: lease
      ? {
          nodeId: lease.leaderNodeId,
          workerId: lease.leaderWorkerId,
          term: lease.term,
          expiresAt: lease.expiresAt.toISOString(),
          current: leaseCurrent,
        }
      : null,
    nodes: nodes.map(({ node, status, statusReason, isLeader }) => ({
      id: node.id,
      name: node.name,
      roles: [...node.roles],
      status,
      statusReason,
      isLeader,
      lastSeenAt: node.lastSeenAt ? node.lastSeenAt.toISOString() : null,
      workerId: node.workerId,
      version: node.version,
    })),
    roles,
    operational: problems.length === 0,
    problems,
    storages: input.storages.map((storage) => deriveStorageStatus(storage, leaderScan)),
    catalog: deriveCatalogStatus(input.catalog),
    databaseTime: now.toISOString(),
  };
}
