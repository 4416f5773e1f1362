import { Inject, Injectable } from '@nestjs/common';
import type { NodeStatus } from '@portico/control-plane-client';
import { deadLetterQueueName } from '@portico/jobs-contracts';
import { queueDepths } from '@portico/jobs-runtime';
import { Pool } from 'pg';
import { CP_DB } from '../injection';
import type { StatusCatalogCounts } from './catalog-status';
import type { StatusInput, StatusNode } from './cluster-status';
import type { StatusStorage } from './storage-status';

/**
 * The cluster's storage with its latest scan run, its last completed scan, its held removals and
 * the approvals the leader has not applied yet (one cluster serves one storage; the scan tables
 * are keyed by cluster).
 */
const STORAGES = `
SELECT s.id, s.name,
       r.state, r.started_at, r.updated_at, r.finished_at, r.files_listed::float8 AS files_listed, r.initial,
       r.index_files_at_start::float8 AS index_files_at_start, r.warnings,
       (SELECT c.finished_at FROM portico.scan_runs c
         WHERE c.cluster_id = s.cluster_id AND c.state = 'completed' ORDER BY c.id DESC LIMIT 1) AS last_completed_at,
       (SELECT count(*)::int FROM portico.scan_removals h
         WHERE h.cluster_id = s.cluster_id AND h.state = 'held') AS pending_removals,
       a.open AS approvals_waiting, a.waiting_reason
  FROM portico.storages s
  LEFT JOIN LATERAL (
    SELECT state, started_at, updated_at, finished_at, files_listed, initial, index_files_at_start, warnings
      FROM portico.scan_runs WHERE cluster_id = s.cluster_id ORDER BY id DESC LIMIT 1) r ON true
  CROSS JOIN LATERAL (
    SELECT count(*)::int AS open,
           (array_agg(waiting_reason ORDER BY seq) FILTER (WHERE waiting_reason IS NOT NULL))[1] AS waiting_reason
      FROM portico.removal_approvals WHERE cluster_id = s.cluster_id AND state = 'pending') a
 WHERE s.cluster_id = $1
 ORDER BY s.name`;

interface StorageRow {
  id: string;
  name: string;
  state: 'running' | 'completed' | 'failed' | null;
  started_at: Date | null;
  updated_at: Date | null;
  finished_at: Date | null;
  files_listed: number | null;
  initial: boolean | null;
  index_files_at_start: number | null;
  warnings: Array<{ kind?: unknown; message?: unknown }> | null;
  last_completed_at: Date | null;
  pending_removals: number;
  approvals_waiting: number;
  waiting_reason: string | null;
}

/**
 * Assets by status, those whose original is on the storage: every asset by status, less the
 * removed ones (few); and the events not ended. Each part can be read from an index of this cluster
 * only (migration 0010), so the cost follows the cluster's size, not the database's.
 */
const ASSET_COUNTS = `
WITH every AS (
  SELECT count(*) FILTER (WHERE status = 'registered')::float8 AS registered,
         count(*) FILTER (WHERE status = 'empty')::float8 AS empty,
         count(*) FILTER (WHERE status = 'checksummed')::float8 AS checksummed,
         count(*) FILTER (WHERE status = 'ready')::float8 AS ready,
         count(*) FILTER (WHERE status = 'failed')::float8 AS failed
    FROM portico.assets WHERE cluster_id = $1
), gone AS (
  SELECT count(*) FILTER (WHERE status = 'registered')::float8 AS registered,
         count(*) FILTER (WHERE status = 'empty')::float8 AS empty,
         count(*) FILTER (WHERE status = 'checksummed')::float8 AS checksummed,
         count(*) FILTER (WHERE status = 'ready')::float8 AS ready,
         count(*) FILTER (WHERE status = 'failed')::float8 AS failed,
         count(*)::float8 AS total
    FROM portico.assets WHERE cluster_id = $1 AND removed
)
SELECT e.registered - g.registered AS registered, e.empty - g.empty AS empty,
       e.checksummed - g.checksummed AS checksummed, e.ready - g.ready AS ready, e.failed - g.failed AS failed,
       g.total AS removed,
       (SELECT count(*) FROM portico.events
         WHERE cluster_id = $1 AND state IN ('queued', 'running'))::float8 AS pending_events
  FROM every e, gone g`;

/**
 * The live originals on the storage (only originals live there), and the live files in object
 * stores by format kind and status (outputs, and archive copies of originals, which are not
 * outputs), each from its index of migration 0010 alone.
 */
const FILE_COUNTS = `
SELECT o.files, o.bytes, o.checksummed, o.empty, o.failed,
       (SELECT coalesce(json_agg(json_build_object('kind', x.format_kind, 'status', x.status, 'files', x.files)), '[]')
          FROM (SELECT format_kind, status, count(*)::float8 AS files
                  FROM portico.files
                 WHERE cluster_id = $1 AND location = 'object_store' AND NOT removed
                 GROUP BY format_kind, status) x) AS outputs
  FROM (SELECT count(*)::float8 AS files, coalesce(sum(size), 0)::float8 AS bytes,
               count(*) FILTER (WHERE status = 'checksummed')::float8 AS checksummed,
               count(*) FILTER (WHERE status = 'empty')::float8 AS empty,
               count(*) FILTER (WHERE status = 'failed')::float8 AS failed
          FROM portico.files
         WHERE cluster_id = $1 AND location = 'storage' AND NOT removed) o`;

interface AssetCountsRow {
  registered: number;
  empty: number;
  checksummed: number;
  ready: number;
  failed: number;
  removed: number;
  pending_events: number;
}

interface FileCountsRow {
  files: number;
  bytes: number;
  checksummed: number;
  empty: number;
  failed: number;
  outputs: Array<{ kind: string; status: string; files: number }>;
}

/**
 * All SQL of the cluster status: the cluster with its lease and the database clock, its nodes, its
 * storage, the catalog's counts (the job queues' through queueDepths of @portico/jobs-runtime).
 */
@Injectable()
export class StatusRepository {
  constructor(@Inject(CP_DB) private readonly pool: Pool) {}

  /** What deriveClusterStatus needs, or undefined when the cluster does not exist. */
  async load(clusterId: string): Promise<StatusInput | undefined> {
    const { rows } = await this.pool.query<{
      id: string;
      name: string;
      now: Date;
      term: string | null;
      leader_node_id: string | null;
      leader_worker_id: string | null;
      expires_at: Date | null;
    }>(
      `SELECT c.id, c.name, now() AS now, l.term, l.leader_node_id, l.leader_worker_id, l.expires_at
         FROM portico.clusters c LEFT JOIN portico.cluster_leases l ON l.cluster_id = c.id
        WHERE c.id = $1`,
      [clusterId],
    );
    const cluster = rows[0];
    if (!cluster) return undefined;
    const { rows: nodes } = await this.pool.query<{
      id: string;
      name: string;
      roles: StatusNode['roles'];
      status: NodeStatus;
      status_reason: string | null;
      last_seen_at: Date | null;
      telemetry_interval_seconds: number | null;
      worker_id: string | null;
      version: string | null;
      scan: unknown;
    }>(
      `SELECT id, name, roles, status, status_reason, last_seen_at, telemetry_interval_seconds, worker_id,
              last_telemetry ->> 'version' AS version, last_telemetry -> 'storage' -> 'scan' AS scan
         FROM portico.nodes WHERE cluster_id = $1 ORDER BY name, id`,
      [clusterId],
    );
    const [{ rows: storages }, catalog] = await Promise.all([
      this.pool.query<StorageRow>(STORAGES, [clusterId]),
      this.catalogCounts(clusterId),
    ]);
    return {
      cluster: { id: cluster.id, name: cluster.name },
      now: cluster.now,
      lease:
        cluster.term !== null && cluster.expires_at !== null
          ? {
              term: Number(cluster.term),
              leaderNodeId: cluster.leader_node_id,
              leaderWorkerId: cluster.leader_worker_id,
              expiresAt: cluster.expires_at,
            }
          : null,
      nodes: nodes.map((row) => ({
        id: row.id,
        name: row.name,
        roles: row.roles,
        status: row.status,
        statusReason: row.status_reason,
        lastSeenAt: row.last_seen_at,
        telemetryIntervalSeconds: row.telemetry_interval_seconds,
        workerId: row.worker_id,
        version: row.version,
        scan: scanReport(row.scan),
      })),
      storages: storages.map(toStatusStorage),
      catalog,
    };
  }

  /** The counts of the catalog section, in three queries run side by side. */
  private async catalogCounts(clusterId: string): Promise<StatusCatalogCounts> {
    const [assets, files, queues] = await Promise.all([
      this.pool.query<AssetCountsRow>(ASSET_COUNTS, [clusterId]),
      this.pool.query<FileCountsRow>(FILE_COUNTS, [clusterId]),
      queueDepths(this.pool, clusterId),
    ]);
    const a = assets.rows[0]!;
    const f = files.rows[0]!;
    return {
      assetsByStatus: {
        registered: a.registered,
        empty: a.empty,
        checksummed: a.checksummed,
        ready: a.ready,
        failed: a.failed,
      },
      assetsRemoved: a.removed,
      originals: {
        files: f.files,
        bytes: f.bytes,
        checksummed: f.checksummed,
        empty: f.empty,
        failed: f.failed,
      },
      outputs: f.outputs,
      pendingEvents: a.pending_events,
      queues,
      deadLetterQueue: deadLetterQueueName(clusterId),
    };
  }
}

/** The `storage.scan` of a node's last telemetry (validated when it was received), or null. */
function scanReport(value: unknown): StatusNode['scan'] {
  if (typeof value !== 'object' || value === null) return null;
  const { found, processed, ratePerSecond } = value as Record<string, unknown>;
  if (typeof found !== 'number' || typeof processed !== 'number' || typeof ratePerSecond !== 'number')
    return null;
  return { found, processed, ratePerSecond };
}

function toStatusStorage(row: StorageRow): StatusStorage {
  return {
    id: row.id,
    name: row.name,
    run:
      row.state === null || row.started_at === null
        ? null
        : {
            state: row.state,
            startedAt: row.started_at,
            updatedAt: row.updated_at ?? row.started_at,
            finishedAt: row.finished_at,
            filesListed: row.files_listed ?? 0,
            initial: row.initial ?? false,
            indexFilesAtStart: row.index_files_at_start ?? 0,
            warnings: (row.warnings ?? []).flatMap(({ kind, message }) =>
              typeof message === 'string'
                ? [{ kind: typeof kind === 'string' ? kind : 'warning', message }]
                : [],
            ),
          },
    lastCompletedAt: row.last_completed_at,
    pendingRemovals: row.pending_removals,
    approvalsWaiting: row.approvals_waiting,
    waitingReason: row.waiting_reason,
  };
}
