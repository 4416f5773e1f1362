import { z } from 'zod';
import { Cluster } from './clusters';
import { Id, IsoTime, Name, NodeStatus, RoleName, SettingsMap } from './common';
import { TelemetryReport } from './telemetry';

export const Node = z.object({
  id: Id,
  clusterId: Id,
  name: Name,
  roles: z.array(RoleName),
  settings: SettingsMap,
  /** This node's path to the cluster's storage, overriding the storage's default mount point. */
  mountPoint: z.string().nullable(),
  status: NodeStatus,
  /** Why the status is what it is (e.g. "2 worker instances report this node id"). */
  statusReason: z.string().nullable(),
  /** Operator's preference when several MAIN nodes are eligible to lead. */
  primary: z.boolean(),
  lastSeenAt: IsoTime.nullable(),
  /** The worker instance that reported last. */
  workerId: Id.nullable(),
  lastTelemetry: TelemetryReport.nullable(),
  createdAt: IsoTime,
  updatedAt: IsoTime,
});
export type Node = z.infer<typeof Node>;

export const CreateNodeBody = z
  .object({
    name: Name,
    roles: z.array(RoleName).min(1),
    settings: SettingsMap.optional(),
    mountPoint: z.string().startsWith('/').optional(),
    primary: z.boolean().optional(),
  })
  .strict();
export type CreateNodeBody = z.infer<typeof CreateNodeBody>;

export const UpdateNodeBody = z
  .object({
    name: Name.optional(),
    roles: z.array(RoleName).min(1).optional(),
    mountPoint: z.string().startsWith('/').nullable().optional(),
    primary: z.boolean().optional(),
  })
  .strict();
export type UpdateNodeBody = z.infer<typeof UpdateNodeBody>;

/** POST /nodes/register with a join token: the process auto-registers a node in the token's cluster. */
export const RegisterNodeBody = z
  .object({
    /** Proposed name; the control plane makes it unique in the cluster. */
    name: Name,
    roles: z.array(RoleName).min(1),
    app: z.string().min(1).max(64),
    hostname: z.string().min(1).max(255),
  })
  .strict();
export type RegisterNodeBody = z.infer<typeof RegisterNodeBody>;

export const RegisterNodeResponse = z.object({
  node: Node,
  /** The node token, shown this once; the node keeps it in memory (or its config.ini). */
  token: z.string(),
});
export type RegisterNodeResponse = z.infer<typeof RegisterNodeResponse>;

/**
 * GET /nodes/me with a node token: everything a node needs from the control plane, including
 * the node and cluster settings layers (with `db_connection_uri` in clear). Answers 304 to
 * `If-None-Match: "<version>"` when nothing changed.
 */
export const NodeSelf = z.object({
  node: Node,
  cluster: Cluster,
  /** `"<cluster settingsVersion>.<node settingsVersion>"`; also the ETag. */
  version: z.string(),
});
export type NodeSelf = z.infer<typeof NodeSelf>;
