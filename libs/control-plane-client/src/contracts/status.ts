import { z } from 'zod';
import { AssetStatus } from './catalog';
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

/** A storage's scan as `portico status` shows it (SPEC 2.5: found / processed / left). */
export const StorageScanStatus = z.object({
  /** scanning: a run is in progress (or interrupted, waiting for a leader to resume it). */
  state: z.enum(['scanning', 'idle']),
  /** Files the run has listed so far (when idle: the last run's total; 0 before the first run). */
  found: z.number().int().nonnegative(),
  /** Files of the run whose diff is committed (when idle: the last run's total). */
  processed: z.number().int().nonnegative(),
  /** Files still to process, estimated from the index size; null while unknown (a first scan). 0 when idle. */
  left: z.number().int().nonnegative().nullable(),
  /** Files per second of the run (when idle: of the last run). */
  ratePerSecond: z.number().nonnegative(),
  /** Where the numbers come from: the leader's live telemetry, or the run's committed checkpoint. */
  source: z.enum(['leader', 'database']),
  /** When the run (the current one, else the last one) started; null before the first run. */
  startedAt: IsoTime.nullable(),
  /** When the last scan completed (null before the first one). */
  lastCompletedAt: IsoTime.nullable(),
});

export const StorageStatus = z.object({
  id: Id,
  name: z.string(),
  scan: StorageScanStatus,
  /** Removals held above max_deletions_per_scan, waiting for an operator (`portico removals`). */
  pendingRemovals: z.number().int().nonnegative(),
  /** Approvals the leader has not applied yet. */
  approvalsWaiting: z.number().int().nonnegative(),
  /** What the operator should know: the last run's warnings, why an approval waits. */
  warnings: z.array(z.string()),
});
export type StorageStatus = z.infer<typeof StorageStatus>;

const Count = z.number().int().nonnegative();

/** The formats the pipeline makes from an original (the catalog's format kinds but ORIGINAL). */
export const OUTPUT_FORMAT_KINDS = ['PROXY', 'KEYFRAMES', 'POSTER'] as const;
export const OutputFormatKind = z.enum(OUTPUT_FORMAT_KINDS);

/** Output files (in the proxy store) by state: pending until uploaded and verified, then stored. */
export const OutputCounts = z.object({ stored: Count, pending: Count, failed: Count });
export type OutputCounts = z.infer<typeof OutputCounts>;

/**
 * The catalogue at a glance (SPEC 3.3: `portico status`, the ingest progress of `portico up`):
 * exact counts, taken when the status is asked for.
 */
export const CatalogSummary = z.object({
  assets: z.object({
    /** Assets whose original is on the storage. */
    live: Count,
    /** Of those, by status (registered, empty, checksummed, ready, failed). */
    byStatus: z.record(AssetStatus, Count),
    /** Assets whose original is no longer on the storage (copies in object stores may remain). */
    removed: Count,
  }),
  /** Original files on the storage (one per live content version). */
  originals: z.object({
    files: Count,
    bytes: Count,
    checksummed: Count,
    /** Zero-byte files: registered with their own status, never transcoded. */
    empty: Count,
    failed: Count,
  }),
  /** Files the pipeline made (proxies, keyframes, posters), by state, in all and per format. */
  outputs: OutputCounts.extend({ total: Count, byFormat: z.record(OutputFormatKind, OutputCounts) }),
  /** Events requested on the control plane that have not ended (queued or running). */
  pendingEvents: Count,
  /** The cluster's job queues: waiting (retries and delayed starts included), running, dead letters. */
  jobs: z.object({ queued: Count, active: Count, dead: Count }),
});
export type CatalogSummary = z.infer<typeof CatalogSummary>;

/** GET /clusters/:id/status: what `portico status` prints. */
export const ClusterStatus = z.object({
  cluster: z.object({ id: Id, name: z.string() }),
  leader: LeaderInfo.nullable(),
  nodes: z.array(NodeSummary),
  /** Per role: how many Active/Warning nodes hold it. A role with none makes the cluster not operational. */
  roles: z.record(RoleName, z.number().int()),
  operational: z.boolean(),
  problems: z.array(z.string()),
  /** The cluster's storage (one at most) and its scan. */
  storages: z.array(StorageStatus),
  /** Counts of the cluster's catalogue, events and jobs. */
  catalog: CatalogSummary,
  databaseTime: IsoTime,
});
export type ClusterStatus = z.infer<typeof ClusterStatus>;
