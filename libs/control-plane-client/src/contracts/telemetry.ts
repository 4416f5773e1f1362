import { z } from 'zod';
import { Id, IsoTime, NodeStatus, RoleName } from './common';

export const HealthResult = z.object({
  status: z.enum(['up', 'down']),
  /** Why it is down (never a secret). */
  message: z.string().optional(),
  /** When the current status began. */
  since: IsoTime.optional(),
  latencyMs: z.number().optional(),
});

export const JobCounts = z.object({
  active: z.number().int().nonnegative(),
  completed: z.number().int().nonnegative(),
  failed: z.number().int().nonnegative(),
});

/** Depth of one queue of the cluster as the reporting node last read it. */
export const QueueCounts = z.object({
  queued: z.number().int().nonnegative(),
  deferred: z.number().int().nonnegative(),
  active: z.number().int().nonnegative(),
  leases: z.number().int().nonnegative(),
  failed: z.number().int().nonnegative(),
  dead: z.number().int().nonnegative(),
});

export const HostInfo = z.object({
  hostname: z.string(),
  os: z.string(),
  platform: z.string(),
  arch: z.string(),
  cpus: z.number().int().positive(),
  memoryBytes: z.number().nonnegative(),
  freeMemoryBytes: z.number().nonnegative(),
  loadAverage: z.array(z.number()).length(3),
  uptimeSeconds: z.number().nonnegative(),
  processRssBytes: z.number().nonnegative(),
});

/** Storage statistics, reported by the leader. */
export const StorageStats = z.object({
  mountPoint: z.string(),
  capacityBytes: z.number().nonnegative(),
  freeBytes: z.number().nonnegative(),
  files: z.number().int().nonnegative().optional(),
  scan: z
    .object({
      found: z.number().int(),
      processed: z.number().int(),
      left: z.number().int(),
      ratePerSecond: z.number(),
    })
    .optional(),
});

/** POST /telemetry: one periodic report of a worker instance (SPEC 2.7). */
export const TelemetryReport = z.object({
  nodeId: Id,
  workerId: Id,
  app: z.string(),
  version: z.string(),
  status: NodeStatus,
  statusReason: z.string().nullable().optional(),
  roles: z.array(RoleName),
  leader: z.object({ isLeader: z.boolean(), term: z.number().int().nullable() }),
  host: HostInfo,
  health: z.record(z.string(), HealthResult),
  jobs: z.record(z.string(), JobCounts),
  /** The cluster's queue depths (job name → counts), from nodes that consume jobs. */
  queues: z.record(z.string(), QueueCounts).optional(),
  storage: StorageStats.optional(),
  /** Node wall clock minus database clock, in ms, when the node measured it. */
  clockSkewMs: z.number().nullable().optional(),
  intervalSeconds: z.number().positive(),
  sentAt: IsoTime,
});
export type TelemetryReport = z.infer<typeof TelemetryReport>;

export const TelemetryAck = z.object({
  /** The status the control plane now records for this node (e.g. Warning for a duplicate worker). */
  status: NodeStatus,
  statusReason: z.string().nullable(),
  /** Lets a node notice a settings change without waiting for its poll. */
  version: z.string(),
});
export type TelemetryAck = z.infer<typeof TelemetryAck>;
