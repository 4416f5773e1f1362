import { z } from 'zod';
import { Id, IsoTime, NodeStatus, RoleName } from './common';

export const LeaderInfo = z.object({
  nodeId: Id.nullable(),
  workerId: Id.nullable(),
  term: z.number().int(),
  expiresAt: IsoTime,
  /** false when the lease has expired or was released and nobody holds it yet. */
  current: z.boolean(),
});

export const NodeSummary = z.object({
  id: Id,
  name: z.string(),
  roles: z.array(RoleName),
  status: NodeStatus,
  statusReason: z.string().nullable(),
  isLeader: z.boolean(),
  lastSeenAt: IsoTime.nullable(),
  workerId: Id.nullable(),
  version: z.string().nullable(),
});

/** GET /clusters/:id/status: what `portico status` prints. */
export const ClusterStatus = z.object({
  cluster: z.object({ id: Id, name: z.string() }),
  leader: LeaderInfo.nullable(),
  nodes: z.array(NodeSummary),
  /** Per role: how many Active/Warning nodes hold it. A role with none makes the cluster not operational. */
  roles: z.record(RoleName, z.number().int()),
  operational: z.boolean(),
  problems: z.array(z.string()),
  databaseTime: IsoTime,
});
export type ClusterStatus = z.infer<typeof ClusterStatus>;
