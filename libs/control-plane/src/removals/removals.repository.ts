import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { PendingRemoval, RemovalApproval } from '@portico/control-plane-client';
import { Pool } from 'pg';
import { CP_DB } from '../injection';
import { joinStoragePath, type PathKey } from './removal-paths';

// Held removals are the scanner's rows (portico.scan_removals, state 'held', keyed by cluster:
// one cluster serves one storage); approvals are portico.removal_approvals, applied by the leader.

const COUNT_HELD = `SELECT count(*)::int AS n FROM portico.scan_removals WHERE cluster_id = $1 AND state = 'held'`;

/** A page of held removals in path order after ($3, $4), with the catalog's live file at each path. */
const LIST_HELD = `
SELECT r.dir, r.name, r.detected_at, f.id AS file_id
  FROM portico.scan_removals r
  LEFT JOIN LATERAL (
    SELECT id FROM portico.files f
     WHERE f.storage_id = $2 AND f.location = 'storage' AND NOT f.removed
       AND f.path = CASE WHEN r.dir = '' THEN r.name ELSE r.dir || '/' || r.name END
     ORDER BY f.created_at DESC
     LIMIT 1) f ON true
 WHERE r.cluster_id = $1 AND r.state = 'held' AND (r.dir, r.name) > ($3, $4)
 ORDER BY r.dir, r.name
 LIMIT $5`;

/** The positions (1-based) of the named paths that are not held removals of the cluster. */
const NOT_HELD = `
SELECT u.i::int AS i
  FROM unnest($2::text[], $3::text[]) WITH ORDINALITY AS u(dir, name, i)
 WHERE NOT EXISTS (SELECT 1 FROM portico.scan_removals r
                    WHERE r.cluster_id = $1 AND r.state = 'held' AND r.dir = u.dir AND r.name = u.name)
 ORDER BY u.i
 LIMIT $4`;

/** Catalog file ids → their paths on the storage (null: not a file of this storage). */
const FILE_PATHS = `
SELECT f.path
  FROM unnest($3::uuid[]) WITH ORDINALITY AS u(id, i)
  LEFT JOIN portico.files f
    ON f.id = u.id AND f.cluster_id = $1 AND f.storage_id = $2 AND f.location = 'storage'
 ORDER BY u.i`;

const APPROVAL_COLUMNS = `id, cluster_id, storage_id, paths IS NULL AS all_held,
  coalesce(cardinality(paths), 0) AS path_count, pending_at_request, requested_by, requested_at, state,
  waiting_reason, waiting_since, applied_at, applied_term::int AS applied_term, applied_by, removed, cancelled, kept`;

/**
 * Every removal held now: held by a run up to the latest that held one (a removal keeps the id of
 * the run that found it), so removals held later by a scan still running are not covered.
 */
const APPROVE_ALL = `
WITH held AS (
  SELECT count(*)::int AS n, max(run_id) AS up_to
    FROM portico.scan_removals WHERE cluster_id = $2 AND state = 'held'
)
INSERT INTO portico.removal_approvals (id, cluster_id, storage_id, up_to_run, pending_at_request, requested_by)
SELECT $1, $2, $3, held.up_to, held.n, $4 FROM held WHERE held.n > 0
RETURNING ${APPROVAL_COLUMNS}`;

const APPROVE_PATHS = `
INSERT INTO portico.removal_approvals (id, cluster_id, storage_id, paths, pending_at_request, requested_by)
VALUES ($1, $2, $3, $4::text[], cardinality($4::text[]), $5)
RETURNING ${APPROVAL_COLUMNS}`;

const LATEST_APPROVALS = `
SELECT ${APPROVAL_COLUMNS} FROM portico.removal_approvals WHERE storage_id = $1 ORDER BY seq DESC LIMIT $2`;

interface ApprovalRow {
  id: string;
  cluster_id: string;
  storage_id: string;
  all_held: boolean;
  path_count: number;
  pending_at_request: number;
  requested_by: string;
  requested_at: Date;
  state: RemovalApproval['state'];
  waiting_reason: string | null;
  waiting_since: Date | null;
  applied_at: Date | null;
  applied_term: number | null;
  applied_by: string | null;
  removed: number;
  cancelled: number;
  kept: number;
}

/** All SQL of the removals API: held removals (read only) and operators' approvals. */
@Injectable()
export class RemovalsRepository {
  constructor(@Inject(CP_DB) private readonly pool: Pool) {}

  async countHeld(clusterId: string): Promise<number> {
    const { rows } = await this.pool.query<{ n: number }>(COUNT_HELD, [clusterId]);
    return rows[0]!.n;
  }

  /** Held removals in path order after `after` (keyset paging). */
  async listHeld(
    clusterId: string,
    storageId: string,
    after: PathKey | null,
    limit: number,
  ): Promise<PendingRemoval[]> {
    const { rows } = await this.pool.query<{
      dir: string;
      name: string;
      detected_at: Date;
      file_id: string | null;
    }>(LIST_HELD, [clusterId, storageId, after?.dir ?? '', after?.name ?? '', limit]);
    return rows.map((row) => ({
      path: joinStoragePath(row),
      detectedAt: row.detected_at.toISOString(),
      fileId: row.file_id,
    }));
  }

  /** The positions (0-based) of `keys` that are not held removals, at most `limit` of them. */
  async notHeld(clusterId: string, keys: readonly PathKey[], limit: number): Promise<number[]> {
    const { rows } = await this.pool.query<{ i: number }>(NOT_HELD, [
      clusterId,
      keys.map((key) => key.dir),
      keys.map((key) => key.name),
      limit,
    ]);
    return rows.map((row) => row.i - 1);
  }

  /** The storage path of each catalog file id, in order; null for an id that is not a file of this storage. */
  async filePaths(
    clusterId: string,
    storageId: string,
    fileIds: readonly string[],
  ): Promise<Array<string | null>> {
    const { rows } = await this.pool.query<{ path: string | null }>(FILE_PATHS, [
      clusterId,
      storageId,
      fileIds,
    ]);
    return rows.map((row) => row.path);
  }

  /** Records an approval of every removal held now; undefined when none is held. */
  async approveAll(
    clusterId: string,
    storageId: string,
    requestedBy: string,
  ): Promise<RemovalApproval | undefined> {
    const { rows } = await this.pool.query<ApprovalRow>(APPROVE_ALL, [
      randomUUID(),
      clusterId,
      storageId,
      requestedBy,
    ]);
    return rows[0] ? toApproval(rows[0]) : undefined;
  }

  async approvePaths(
    clusterId: string,
    storageId: string,
    paths: readonly string[],
    requestedBy: string,
  ): Promise<RemovalApproval> {
    const { rows } = await this.pool.query<ApprovalRow>(APPROVE_PATHS, [
      randomUUID(),
      clusterId,
      storageId,
      paths,
      requestedBy,
    ]);
    return toApproval(rows[0]!);
  }

  async latestApprovals(storageId: string, limit: number): Promise<RemovalApproval[]> {
    const { rows } = await this.pool.query<ApprovalRow>(LATEST_APPROVALS, [storageId, limit]);
    return rows.map(toApproval);
  }
}

function toApproval(row: ApprovalRow): RemovalApproval {
  return {
    id: row.id,
    clusterId: row.cluster_id,
    storageId: row.storage_id,
    all: row.all_held,
    pathCount: row.path_count,
    pendingAtRequest: row.pending_at_request,
    requestedBy: row.requested_by,
    requestedAt: row.requested_at.toISOString(),
    state: row.state,
    waitingReason: row.waiting_reason,
    waitingSince: row.waiting_since?.toISOString() ?? null,
    appliedAt: row.applied_at?.toISOString() ?? null,
    appliedTerm: row.applied_term,
    appliedBy: row.applied_by,
    removed: row.removed,
    cancelled: row.cancelled,
    kept: row.kept,
  };
}
