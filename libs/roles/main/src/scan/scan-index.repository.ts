// The SQL of the file index. A batch costs one read (the diff query, which returns only what
// needs a decision: for an unchanged folder, nothing) and a few multi-row writes; never one
// statement per file.
import type { Pool, PoolClient } from 'pg';

import type { ScanBatch } from './scan-batch';
import type { DiffResult, FileStatus, IndexedFile, PathKey, RowState } from './scan-diff';
import { booleanArray, numberArray, textArray } from './sql-arrays';

type Queryable = Pick<Pool, 'query'> | Pick<PoolClient, 'query'>;

/**
 * Pairs each file of the batch with the row at its path, and each row of a folder listed whole
 * with its file, dropping pairs that are unchanged and settled (the same test as
 * isSettledUnchanged in scan-diff.ts). Files left without a row are then matched by inode and
 * size with rows elsewhere that the catalogue knows (handed over): the move sources.
 */
const READ_DIFF = `
WITH d AS (
  SELECT dir, whole, ord::int4 AS ord FROM unnest($2::text[], $3::bool[]) WITH ORDINALITY AS d(dir, whole, ord)
), e AS (
  SELECT e.idx::int4 AS idx, d.dir, e.name, e.size, e.mtime_ms, e.inode
    FROM unnest($4::int4[], $5::text[], $6::int8[], $7::float8[], $8::int8[])
         WITH ORDINALITY AS e(ord, name, size, mtime_ms, inode, idx)
    JOIN d ON d.ord = e.ord + 1
), f AS (
  -- LATERAL: one index lookup per folder (or file), whatever the table's statistics say; a
  -- join planned from stale statistics (a cluster that just grew a million rows) would read
  -- every row of the cluster for each batch.
  SELECT f.* FROM d CROSS JOIN LATERAL (
    SELECT * FROM portico.scan_files f WHERE f.cluster_id = $1 AND f.dir = d.dir OFFSET 0) f
   WHERE d.whole
  UNION ALL
  SELECT f.* FROM e JOIN d ON d.dir = e.dir AND NOT d.whole CROSS JOIN LATERAL (
    SELECT * FROM portico.scan_files f WHERE f.cluster_id = $1 AND f.dir = e.dir AND f.name = e.name OFFSET 0) f
), pairs AS (
  SELECT e.idx, e.inode AS file_inode, e.size AS file_size, e.dir AS file_dir, e.name AS file_name,
         f.dir, f.name, f.size, f.mtime_ms, f.inode, f.status, f.version_seen_at, f.handed_off
    FROM e FULL JOIN f ON f.dir = e.dir AND f.name = e.name
   WHERE e.idx IS NULL OR f.name IS NULL OR f.status = 'settling'
      OR f.size <> e.size OR f.mtime_ms <> e.mtime_ms OR f.inode <> e.inode
)
SELECT false AS source, p.idx, p.dir, p.name, p.size, p.mtime_ms, p.inode, p.status, p.handed_off,
       (extract(epoch FROM p.version_seen_at) * 1000)::float8 AS seen_ms,
       (extract(epoch FROM now()) * 1000)::float8 AS now_ms
  FROM pairs p
UNION ALL
SELECT true, p.idx, s.dir, s.name, s.size, s.mtime_ms, s.inode, s.status, s.handed_off,
       (extract(epoch FROM s.version_seen_at) * 1000)::float8,
       (extract(epoch FROM now()) * 1000)::float8
  FROM pairs p CROSS JOIN LATERAL (
    SELECT * FROM portico.scan_files s
     WHERE s.cluster_id = $1 AND s.handed_off AND s.inode = p.file_inode AND s.size = p.file_size
       AND (s.dir, s.name) <> (p.file_dir, p.file_name) OFFSET 0) s
 WHERE p.name IS NULL`;

interface DiffRow {
  source: boolean;
  idx: number | null;
  dir: string | null;
  name: string | null;
  size: string | null;
  mtime_ms: number | null;
  inode: string | null;
  status: FileStatus | null;
  handed_off: boolean | null;
  seen_ms: number | null;
  now_ms: number;
}

export interface DiffRead {
  /** File index (into the batch) → the row at its path, or null; rows with no file under -1. */
  readonly pairs: Array<{ index: number | null; row: IndexedFile | null }>;
  readonly moveSources: IndexedFile[];
  /** The database clock at the read (null when nothing was returned). */
  readonly nowMs: number | null;
}

const INSERT_ROWS = `
INSERT INTO portico.scan_files
  (cluster_id, dir, name, size, mtime_ms, inode, status, version_seen_at, handed_off, last_seen_run)
SELECT $1::uuid, u.dir, u.name, u.size, u.mtime_ms, u.inode, u.status, now(), u.handed_off, $9::int8
  FROM unnest($2::text[], $3::text[], $4::int8[], $5::float8[], $6::int8[], $7::text[], $8::bool[])
       AS u(dir, name, size, mtime_ms, inode, status, handed_off)`;

/** A first scan's batch: every file a new row, straight from the batch's columns. */
const INSERT_BATCH = `
INSERT INTO portico.scan_files
  (cluster_id, dir, name, size, mtime_ms, inode, status, version_seen_at, handed_off, last_seen_run)
SELECT $1::uuid, d.dir, u.name, u.size, u.mtime_ms, u.inode,
       CASE WHEN NOT $9::bool THEN 'settling' WHEN u.size = 0 THEN 'empty' ELSE 'ingested' END,
       now(), $9::bool, CASE WHEN d.chunked THEN $10::int8 END
  FROM unnest($4::int4[], $5::text[], $6::int8[], $7::float8[], $8::int8[]) AS u(ord, name, size, mtime_ms, inode)
  JOIN unnest($2::text[], $3::bool[]) WITH ORDINALITY AS d(dir, chunked, ord) ON d.ord = u.ord + 1`;

// The statements below that match a batch to rows find each row through a LATERAL primary-key
// lookup and modify it by ctid, under PLAN_INDEX_LOOKUPS: one index probe per file whatever the
// statistics say. OFFSET 0 keeps each LATERAL subquery from being flattened into a join the
// planner could reorder (a batch rescanned for every row).
const UPDATE_ROWS = `
UPDATE portico.scan_files f
   SET dir = x.dir, name = x.name, size = x.size, mtime_ms = x.mtime_ms, inode = x.inode,
       status = x.status, handed_off = x.handed_off,
       version_seen_at = CASE WHEN x.new_version THEN now() ELSE f.version_seen_at END
  FROM (
    SELECT s.ctid AS tid, u.*
      FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::int8[], $7::float8[], $8::int8[],
                  $9::text[], $10::bool[], $11::bool[])
           AS u(from_dir, from_name, dir, name, size, mtime_ms, inode, status, new_version, handed_off)
     CROSS JOIN LATERAL (
       SELECT ctid FROM portico.scan_files s WHERE s.cluster_id = $1 AND s.dir = u.from_dir AND s.name = u.from_name OFFSET 0) s
  ) x
 WHERE f.ctid = x.tid`;

/** Removal candidates: rows missing from a folder listed whole. A held removal stays held. */
const ADD_CANDIDATES = `
INSERT INTO portico.scan_removals (cluster_id, dir, name, run_id, state)
SELECT $1::uuid, u.dir, u.name, $2::int8, 'candidate' FROM unnest($3::text[], $4::text[]) AS u(dir, name)
ON CONFLICT DO NOTHING`;

/** A removal recorded for a path that is present (or whose row moved away) is void. */
const DROP_REMOVALS = `
DELETE FROM portico.scan_removals r
 USING (
   SELECT s.ctid AS tid FROM unnest($2::text[], $3::text[]) AS u(dir, name)
    CROSS JOIN LATERAL (
      SELECT ctid FROM portico.scan_removals s WHERE s.cluster_id = $1 AND s.dir = u.dir AND s.name = u.name OFFSET 0) s
 ) x
 WHERE r.ctid = x.tid`;

/** Folders listed in several chunks: their files are marked seen by this run. */
const MARK_SEEN = `
UPDATE portico.scan_files f SET last_seen_run = $2
  FROM (
    SELECT s.ctid AS tid FROM unnest($3::text[], $4::text[]) AS u(dir, name)
     CROSS JOIN LATERAL (
       SELECT ctid FROM portico.scan_files s
        WHERE s.cluster_id = $1 AND s.dir = u.dir AND s.name = u.name AND s.last_seen_run IS DISTINCT FROM $2 OFFSET 0) s
  ) x
 WHERE f.ctid = x.tid`;

/** ...and once such a folder is listed completely, its rows not seen by this run are missing. */
const ADD_UNSEEN_CANDIDATES = `
INSERT INTO portico.scan_removals (cluster_id, dir, name, run_id, state)
SELECT f.cluster_id, f.dir, f.name, $2::int8, 'candidate'
  FROM portico.scan_files f
 WHERE f.cluster_id = $1 AND f.dir = ANY($3::text[]) AND f.last_seen_run IS DISTINCT FROM $2
ON CONFLICT DO NOTHING`;

/** The stored fingerprints of some folders (one primary-key probe each). */
const STORED_DIGESTS = `
SELECT dir, digest FROM portico.scan_folders
 WHERE cluster_id = $1 AND dir = ANY($2::text[]) AND digest IS NOT NULL`;

/** Registers folders with their fingerprint, or none (null clears a stored one). */
const WRITE_FOLDERS = `
INSERT INTO portico.scan_folders (cluster_id, dir, digest)
SELECT $1::uuid, u.dir, u.digest FROM unnest($2::text[], $3::text[]) AS u(dir, digest)
ON CONFLICT (cluster_id, dir) DO UPDATE SET digest = EXCLUDED.digest
 WHERE scan_folders.digest IS DISTINCT FROM EXCLUDED.digest`;

/**
 * For the rest of the transaction: batches are matched to rows by index lookups. Row estimates
 * per cluster are often far off (a cluster that just grew a million rows, several clusters in one
 * table), and a hash join planned from them reads every row of the cluster for each batch.
 */
export const PLAN_INDEX_LOOKUPS =
  'SET LOCAL enable_hashjoin = off; SET LOCAL enable_mergejoin = off; SET LOCAL enable_seqscan = off; ' +
  'SET LOCAL enable_bitmapscan = off';
/** ...and back to the defaults before anyone else's statements (the sink's) in the transaction. */
export const PLAN_DEFAULTS =
  'SET LOCAL enable_hashjoin = DEFAULT; SET LOCAL enable_mergejoin = DEFAULT; SET LOCAL enable_seqscan = DEFAULT; ' +
  'SET LOCAL enable_bitmapscan = DEFAULT';

const HAS_FILES = `SELECT EXISTS (SELECT 1 FROM portico.scan_files WHERE cluster_id = $1) AS any`;

/**
 * Folders known to the index that this run did not list. NOT IN over the run's folders becomes
 * a hashed subplan whatever the (often stale, on fresh tables) row estimates: an anti-join
 * planned from an estimate of a few rows would compare every pair.
 */
const FOLDERS_NOT_LISTED = `
SELECT f.dir FROM portico.scan_folders f
 WHERE f.cluster_id = $1
   AND f.dir NOT IN (SELECT d.path FROM portico.scan_dirs d
                      WHERE d.run_id = $2 AND d.state IN ('listed', 'chunked', 'incomplete'))`;

/** Folders that no longer hold any row leave the registry. */
const FORGET_EMPTY_FOLDERS = `
DELETE FROM portico.scan_folders f
 WHERE f.cluster_id = $1 AND f.dir = ANY($2::text[])
   AND NOT EXISTS (SELECT 1 FROM portico.scan_files r WHERE r.cluster_id = f.cluster_id AND r.dir = f.dir)`;

const FAILED_DIRS = `SELECT path FROM portico.scan_dirs WHERE run_id = $1 AND state = 'failed'`;

/** Candidates for the rows of vanished folders, a bounded number per statement. */
const ADD_FOLDER_CANDIDATES = `
WITH added AS (
  INSERT INTO portico.scan_removals (cluster_id, dir, name, run_id, state)
  SELECT f.cluster_id, f.dir, f.name, $2::int8, 'candidate'
    FROM portico.scan_files f
   WHERE f.cluster_id = $1 AND f.dir = ANY($3::text[])
     AND NOT EXISTS (SELECT 1 FROM portico.scan_removals r
                      WHERE r.cluster_id = f.cluster_id AND r.dir = f.dir AND r.name = f.name)
   LIMIT $4
  ON CONFLICT DO NOTHING
  RETURNING 1
)
SELECT count(*)::int AS n FROM added`;

export class ScanIndexRepository {
  async hasFiles(db: Queryable, clusterId: string): Promise<boolean> {
    const { rows } = await db.query<{ any: boolean }>(HAS_FILES, [clusterId]);
    return rows[0]!.any;
  }

  /** The folders of the batch listed whole whose fingerprint is the stored one. */
  async unchangedFolders(db: Queryable, clusterId: string, batch: ScanBatch): Promise<Set<string>> {
    const dirs: string[] = [];
    const digests: string[] = [];
    batch.digests.forEach((digest, index) => {
      if (digest === null) return;
      dirs.push(batch.dirs[index]!);
      digests.push(digest);
    });
    if (dirs.length === 0) return new Set();
    const { rows } = await db.query<{ dir: string; digest: string }>(STORED_DIGESTS, [
      clusterId,
      textArray(dirs),
    ]);
    const stored = new Map(rows.map((row) => [row.dir, row.digest]));
    return new Set(dirs.filter((dir, index) => stored.get(dir) === digests[index]));
  }

  async readDiff(db: Queryable, clusterId: string, batch: ScanBatch): Promise<DiffRead> {
    const { rows } = await db.query<DiffRow>(READ_DIFF, [
      clusterId,
      textArray(batch.dirs),
      booleanArray(batch.wholeDirs),
      numberArray(batch.fileDirs),
      textArray(batch.names),
      numberArray(batch.sizes),
      numberArray(batch.mtimesMs),
      textArray(batch.inodes),
    ]);
    const pairs: DiffRead['pairs'] = [];
    const moveSources: IndexedFile[] = [];
    for (const row of rows) {
      const indexed = row.name === null ? null : toIndexed(row);
      // ORDINALITY counts from 1
      const index = row.idx === null ? null : row.idx - 1;
      if (row.source) moveSources.push(indexed!);
      else pairs.push({ index, row: indexed });
    }
    return { pairs, moveSources, nowMs: rows[0]?.now_ms ?? null };
  }

  /** Writes a batch's diff. Runs inside the caller's fenced transaction. */
  async applyDiff(
    client: PoolClient,
    clusterId: string,
    runId: string,
    batch: ScanBatch,
    diff: DiffResult,
    options: { cancelRemovalsOfPresentFiles: boolean; unchangedFolders: ReadonlySet<string> },
  ): Promise<void> {
    const chunked = new Set(batch.chunkedDirs);
    const lookups =
      diff.updates.length > 0 ||
      diff.missing.length > 0 ||
      diff.movedFrom.length > 0 ||
      options.cancelRemovalsOfPresentFiles ||
      chunked.size > 0;
    if (lookups) await client.query(PLAN_INDEX_LOOKUPS);
    await this.writeDigests(client, clusterId, batch, diff, options.unchangedFolders);
    if (diff.allNew && batch.names.length > 0) {
      await client.query(INSERT_BATCH, [
        clusterId,
        textArray(batch.dirs),
        booleanArray(batch.dirs.map((dir) => chunked.has(dir))),
        numberArray(batch.fileDirs),
        textArray(batch.names),
        numberArray(batch.sizes),
        numberArray(batch.mtimesMs),
        textArray(batch.inodes),
        diff.allNew.ready,
        runId,
      ]);
    }
    if (diff.inserts.length > 0) {
      // New rows of chunked folders are seen by this run; marking every new row is harmless
      // only when the whole batch is chunked, so split.
      const plain = diff.inserts.filter((row) => !chunked.has(row.dir));
      const seen = diff.inserts.filter((row) => chunked.has(row.dir));
      if (plain.length > 0) await client.query(INSERT_ROWS, [clusterId, ...rowColumns(plain), null]);
      if (seen.length > 0) await client.query(INSERT_ROWS, [clusterId, ...rowColumns(seen), runId]);
    }
    if (diff.updates.length > 0) {
      const from = columns(diff.updates.map((update) => update.from));
      await client.query(UPDATE_ROWS, [
        clusterId,
        from.dirs,
        from.names,
        ...rowColumns(diff.updates.map((update) => update.to)).slice(0, 5),
        textArray(diff.updates.map((update) => update.to.status)),
        booleanArray(diff.updates.map((update) => update.to.newVersion)),
        booleanArray(diff.updates.map((update) => update.to.handedOff)),
      ]);
    }
    if (diff.missing.length > 0) {
      const missing = columns(diff.missing);
      await client.query(ADD_CANDIDATES, [clusterId, runId, missing.dirs, missing.names]);
    }
    const voided = options.cancelRemovalsOfPresentFiles
      ? presentKeys(batch).concat(diff.movedFrom)
      : diff.movedFrom;
    if (voided.length > 0) {
      const keys = columns(voided);
      await client.query(DROP_REMOVALS, [clusterId, keys.dirs, keys.names]);
    }
    if (chunked.size > 0) {
      const seen = diff.allNew ? [] : presentKeys(batch).filter((file) => chunked.has(file.dir));
      if (seen.length > 0) {
        const keys = columns(seen);
        await client.query(MARK_SEEN, [clusterId, runId, keys.dirs, keys.names]);
      }
      if (batch.chunkedComplete.length > 0)
        await client.query(ADD_UNSEEN_CANDIDATES, [clusterId, runId, batch.chunkedComplete]);
    }
    if (lookups) await client.query(PLAN_DEFAULTS);
  }

  /**
   * A folder listed whole whose rows now all hold settled versions equal to its listing keeps the
   * listing's fingerprint; every other folder the batch touched loses its fingerprint (folders
   * found unchanged keep theirs as they are).
   */
  private async writeDigests(
    client: PoolClient,
    clusterId: string,
    batch: ScanBatch,
    diff: DiffResult,
    unchanged: ReadonlySet<string>,
  ): Promise<void> {
    const digests = new Map<string, string | null>();
    batch.dirs.forEach((dir, index) => {
      if (unchanged.has(dir)) return;
      const digest = batch.digests[index] ?? null;
      digests.set(dir, digest !== null && !diff.unsettledDirs.has(dir) ? digest : null);
    });
    // A folder a row moved out of no longer matches its fingerprint; a folder a row moved into
    // is registered (it is in the batch: its listing holds the file).
    for (const from of diff.movedFrom) if (!digests.has(from.dir)) digests.set(from.dir, null);
    if (digests.size === 0) return;
    const dirs = [...digests.keys()];
    await client.query(WRITE_FOLDERS, [
      clusterId,
      textArray(dirs),
      textArray(dirs.map((dir) => digests.get(dir) ?? null)),
    ]);
  }

  /** Folders holding indexed files that this run did not list, outside folders it failed to read. */
  async vanishedFolders(db: Queryable, clusterId: string, runId: string): Promise<string[]> {
    const [{ rows }, failed] = await Promise.all([
      db.query<{ dir: string }>(FOLDERS_NOT_LISTED, [clusterId, runId]),
      db.query<{ path: string }>(FAILED_DIRS, [runId]),
    ]);
    // The subtree of a folder that could not be listed is unknown, not gone.
    const unknown = failed.rows.map((row) => row.path);
    return rows
      .map((row) => row.dir)
      .filter((dir) => !unknown.some((path) => path === '' || dir === path || dir.startsWith(`${path}/`)));
  }

  /** Drops the registry entries of folders left without rows. */
  async forgetEmptyFolders(client: PoolClient, clusterId: string, dirs: readonly string[]): Promise<void> {
    if (dirs.length > 0) await client.query(FORGET_EMPTY_FOLDERS, [clusterId, textArray(dirs)]);
  }

  /** Adds at most `limit` candidates for rows of `dirs`; returns how many it added. */
  async addFolderCandidates(
    client: PoolClient,
    clusterId: string,
    runId: string,
    dirs: readonly string[],
    limit: number,
  ): Promise<number> {
    const { rows } = await client.query<{ n: number }>(ADD_FOLDER_CANDIDATES, [
      clusterId,
      runId,
      dirs,
      limit,
    ]);
    return rows[0]!.n;
  }
}

function toIndexed(row: DiffRow): IndexedFile {
  return {
    dir: row.dir!,
    name: row.name!,
    size: Number(row.size),
    mtimeMs: row.mtime_ms!,
    inode: row.inode!,
    status: row.status!,
    versionSeenAtMs: row.seen_ms!,
    handedOff: row.handed_off!,
  };
}

function columns(keys: readonly PathKey[]): { dirs: string; names: string } {
  return { dirs: textArray(keys.map((key) => key.dir)), names: textArray(keys.map((key) => key.name)) };
}

/** dir, name, size, mtime, inode, status, handed_off columns. */
function rowColumns(rows: readonly RowState[]): unknown[] {
  const dirs: string[] = [];
  const names: string[] = [];
  const sizes: number[] = [];
  const mtimes: number[] = [];
  const inodes: string[] = [];
  const statuses: string[] = [];
  const handedOff: boolean[] = [];
  for (const row of rows) {
    dirs.push(row.dir);
    names.push(row.name);
    sizes.push(row.size);
    mtimes.push(row.mtimeMs);
    inodes.push(row.inode);
    statuses.push(row.status);
    handedOff.push(row.handedOff);
  }
  return [
    textArray(dirs),
    textArray(names),
    numberArray(sizes),
    numberArray(mtimes),
    textArray(inodes),
    textArray(statuses),
    booleanArray(handedOff),
  ];
}

function presentKeys(batch: ScanBatch): PathKey[] {
  return batch.names.map((name, index) => ({ dir: batch.dirs[batch.fileDirs[index]!]!, name }));
}
