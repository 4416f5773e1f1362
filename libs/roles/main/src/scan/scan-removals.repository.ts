// The SQL of removals: candidates found by the running scan, applied, held for an operator or
// discarded when the scan ends; held removals listed and approved. Writes run inside the
// caller's fenced transaction, a bounded number of rows per statement.
import type { Pool, PoolClient } from 'pg';

import type { PathKey } from './scan-diff';
import { PLAN_DEFAULTS, PLAN_INDEX_LOOKUPS } from './scan-index.repository';

type Queryable = Pick<Pool, 'query'> | Pick<PoolClient, 'query'>;

export interface RemovedRow extends PathKey {
  /** The catalogue knows the file: the sink must hear of its removal. */
  readonly handedOff: boolean;
}

const COUNT_CANDIDATES = `
SELECT count(*)::int AS n FROM portico.scan_removals WHERE run_id = $1 AND state = 'candidate'`;

const HAS_HELD = `SELECT EXISTS (SELECT 1 FROM portico.scan_removals WHERE cluster_id = $1 AND state = 'held') AS held`;

/** Applies up to $3 candidates of the run: the removal rows and the index rows go together. */
const APPLY_CANDIDATES = `
WITH picked AS (
  DELETE FROM portico.scan_removals r
   WHERE r.ctid = ANY (ARRAY(
     SELECT ctid FROM portico.scan_removals
      WHERE run_id = $2 AND state = 'candidate' AND cluster_id = $1 LIMIT $3))
  RETURNING r.dir, r.name
), gone AS (
  DELETE FROM portico.scan_files f
   USING (SELECT s.ctid AS tid FROM picked p CROSS JOIN LATERAL (
            SELECT ctid FROM portico.scan_files s WHERE s.cluster_id = $1 AND s.dir = p.dir AND s.name = p.name OFFSET 0) s) x
   WHERE f.ctid = x.tid
  RETURNING f.dir, f.name, f.handed_off
), digests AS (
  -- the folders' rows changed: their fingerprints no longer describe them
  UPDATE portico.scan_folders d SET digest = NULL FROM (SELECT DISTINCT dir FROM gone) x
   WHERE d.cluster_id = $1 AND d.dir = x.dir AND d.digest IS NOT NULL
)
SELECT g.dir, g.name, g.handed_off, NULL::int AS picked FROM gone g
UNION ALL
SELECT NULL, NULL, NULL, count(*)::int FROM picked`;

const HOLD_CANDIDATES = `
UPDATE portico.scan_removals SET state = 'held' WHERE run_id = $1 AND state = 'candidate'`;

const DISCARD_CANDIDATES = `
DELETE FROM portico.scan_removals WHERE run_id = $1 AND state = 'candidate'`;

const LIST_HELD = `
SELECT dir, name, (extract(epoch FROM detected_at) * 1000)::float8 AS detected_ms
  FROM portico.scan_removals
 WHERE cluster_id = $1 AND state = 'held' AND (dir, name) > ($2, $3)
   AND ($5::int8 IS NULL OR run_id <= $5::int8)
 ORDER BY dir, name
 LIMIT $4`;

const COUNT_HELD = `SELECT count(*)::int AS n FROM portico.scan_removals WHERE cluster_id = $1 AND state = 'held'`;

/** Cancels held removals of files that are back. */
const CANCEL_HELD = `
DELETE FROM portico.scan_removals r
 USING unnest($2::text[], $3::text[]) AS u(dir, name)
 WHERE r.cluster_id = $1 AND r.state = 'held' AND r.dir = u.dir AND r.name = u.name`;

/** Applies held removals (an operator approved them). */
const APPLY_HELD = `
WITH picked AS (
  DELETE FROM portico.scan_removals r
   USING (SELECT s.ctid AS tid FROM unnest($2::text[], $3::text[]) AS u(dir, name) CROSS JOIN LATERAL (
            SELECT ctid FROM portico.scan_removals s
             WHERE s.cluster_id = $1 AND s.state = 'held' AND s.dir = u.dir AND s.name = u.name OFFSET 0) s) x
   WHERE r.ctid = x.tid
  RETURNING r.dir, r.name
), gone AS (
  DELETE FROM portico.scan_files f
   USING (SELECT s.ctid AS tid FROM picked p CROSS JOIN LATERAL (
            SELECT ctid FROM portico.scan_files s WHERE s.cluster_id = $1 AND s.dir = p.dir AND s.name = p.name OFFSET 0) s) x
   WHERE f.ctid = x.tid
  RETURNING f.dir, f.name, f.handed_off
), digests AS (
  -- the folders' rows changed: their fingerprints no longer describe them
  UPDATE portico.scan_folders d SET digest = NULL FROM (SELECT DISTINCT dir FROM gone) x
   WHERE d.cluster_id = $1 AND d.dir = x.dir AND d.digest IS NOT NULL
)
SELECT g.dir, g.name, g.handed_off, NULL::int AS picked FROM gone g
UNION ALL
SELECT NULL, NULL, NULL, count(*)::int FROM picked`;

/** The removed index rows, then one row with the number of removal rows taken (`picked`). */
interface RemovedRecord {
  dir: string | null;
  name: string | null;
  handed_off: boolean | null;
  picked: number | null;
}

export interface HeldRemoval extends PathKey {
  readonly detectedAtMs: number;
}

export class ScanRemovalsRepository {
  async countCandidates(db: Queryable, runId: string): Promise<number> {
    const { rows } = await db.query<{ n: number }>(COUNT_CANDIDATES, [runId]);
    return rows[0]!.n;
  }

  async hasHeld(db: Queryable, clusterId: string): Promise<boolean> {
    const { rows } = await db.query<{ held: boolean }>(HAS_HELD, [clusterId]);
    return rows[0]!.held;
  }

  async countHeld(db: Queryable, clusterId: string): Promise<number> {
    const { rows } = await db.query<{ n: number }>(COUNT_HELD, [clusterId]);
    return rows[0]!.n;
  }

  /** Removes up to `limit` candidates and their index rows; returns what was removed. */
  async applyCandidates(
    client: PoolClient,
    clusterId: string,
    runId: string,
    limit: number,
  ): Promise<{ picked: number; removed: RemovedRow[] }> {
    await client.query(PLAN_INDEX_LOOKUPS);
    const { rows } = await client.query<RemovedRecord>(APPLY_CANDIDATES, [clusterId, runId, limit]);
    await client.query(PLAN_DEFAULTS);
    return removedRows(rows);
  }

  async holdCandidates(client: PoolClient, runId: string): Promise<number> {
    return (await client.query(HOLD_CANDIDATES, [runId])).rowCount ?? 0;
  }

  async discardCandidates(client: PoolClient, runId: string): Promise<number> {
    return (await client.query(DISCARD_CANDIDATES, [runId])).rowCount ?? 0;
  }

  /**
   * Held removals in path order, after `after` (keyset paging); with `upToRun`, only those held by
   * runs up to that one (an operator's approval of "every removal held when I approved").
   */
  async listHeld(
    db: Queryable,
    clusterId: string,
    after: PathKey | null,
    limit: number,
    upToRun: string | null = null,
  ): Promise<HeldRemoval[]> {
    const { rows } = await db.query<{ dir: string; name: string; detected_ms: number }>(LIST_HELD, [
      clusterId,
      after?.dir ?? '',
      after?.name ?? '',
      limit,
      upToRun,
    ]);
    return rows.map((row) => ({ dir: row.dir, name: row.name, detectedAtMs: row.detected_ms }));
  }

  async cancelHeld(client: PoolClient, clusterId: string, keys: readonly PathKey[]): Promise<number> {
    if (keys.length === 0) return 0;
    const { rowCount } = await client.query(CANCEL_HELD, [
      clusterId,
      keys.map((key) => key.dir),
      keys.map((key) => key.name),
    ]);
    return rowCount ?? 0;
  }

  async applyHeld(client: PoolClient, clusterId: string, keys: readonly PathKey[]): Promise<RemovedRow[]> {
    if (keys.length === 0) return [];
    await client.query(PLAN_INDEX_LOOKUPS);
    const { rows } = await client.query<RemovedRecord>(APPLY_HELD, [
      clusterId,
      keys.map((key) => key.dir),
      keys.map((key) => key.name),
    ]);
    await client.query(PLAN_DEFAULTS);
    return removedRows(rows).removed;
  }
}

function removedRows(rows: readonly RemovedRecord[]): { picked: number; removed: RemovedRow[] } {
  let picked = 0;
  const removed: RemovedRow[] = [];
  for (const row of rows) {
    if (row.picked !== null) picked = row.picked;
    else removed.push({ dir: row.dir!, name: row.name!, handedOff: row.handed_off! });
  }
  return { picked, removed };
}
