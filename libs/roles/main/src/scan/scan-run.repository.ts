// The SQL of scan runs: the storage id, the run row and its counters, the folder checkpoint and
// the issues. Writes run inside the caller's fenced transaction; reads may run outside one.
import type { Pool, PoolClient } from 'pg';
import type { ScanIssue, ScanIssueKind } from '@portico/storage';

import type { DirState } from './scan-batch';
import type { ScanWarning } from './scan-policy';

type Queryable = Pick<Pool, 'query'> | Pick<PoolClient, 'query'>;

/** Issues kept per run; past this they are counted, not stored. */
export const ISSUES_KEPT_PER_RUN = 10_000;
/** Finished runs kept per cluster (with their issues). */
export const RUNS_KEPT = 20;

export interface RunRow {
  readonly id: string;
  readonly state: 'running' | 'completed' | 'failed';
  readonly term: number;
  readonly resumes: number;
  readonly initial: boolean;
  readonly indexFilesAtStart: number;
  readonly startedAtMs: number;
  readonly finishedAtMs: number | null;
  readonly totals: RunTotals;
  readonly warnings: ScanWarning[];
}

export interface RunTotals {
  readonly filesListed: number;
  readonly filesNew: number;
  readonly filesModified: number;
  readonly filesMoved: number;
  readonly filesReady: number;
  readonly filesRemoved: number;
  readonly removalsHeld: number;
  readonly entriesIgnored: number;
  readonly foldersDone: number;
  readonly foldersFailed: number;
  readonly issues: number;
}

export interface BatchCounters {
  readonly filesListed: number;
  readonly filesNew: number;
  readonly filesModified: number;
  readonly filesMoved: number;
  readonly filesReady: number;
  readonly entriesIgnored: number;
  readonly foldersDone: number;
  readonly foldersFailed: number;
}

const RUN_COLUMNS = `
  id::text, state, term, resumes, initial, index_files_at_start,
  (extract(epoch FROM started_at) * 1000)::float8 AS started_ms,
  (extract(epoch FROM finished_at) * 1000)::float8 AS finished_ms,
  files_listed, files_new, files_modified, files_moved, files_ready, files_removed, removals_held,
  entries_ignored, dirs_done, dirs_failed, issues, warnings`;

interface RunRecord {
  id: string;
  state: RunRow['state'];
  term: string;
  resumes: number;
  initial: boolean;
  index_files_at_start: string;
  started_ms: number;
  finished_ms: number | null;
  files_listed: string;
  files_new: string;
  files_modified: string;
  files_moved: string;
  files_ready: string;
  files_removed: string;
  removals_held: string;
  entries_ignored: string;
  dirs_done: string;
  dirs_failed: string;
  issues: string;
  warnings: ScanWarning[];
}

const STORAGE_ID = `SELECT storage_id::text FROM portico.scan_storages WHERE cluster_id = $1`;
const RECORD_STORAGE = `
INSERT INTO portico.scan_storages (cluster_id, storage_id) VALUES ($1, $2)
ON CONFLICT (cluster_id) DO NOTHING`;

const RUNNING = `SELECT ${RUN_COLUMNS} FROM portico.scan_runs WHERE cluster_id = $1 AND state = 'running'`;
const LATEST = `SELECT ${RUN_COLUMNS} FROM portico.scan_runs WHERE cluster_id = $1 ORDER BY id DESC LIMIT 1`;
const BY_ID = `SELECT ${RUN_COLUMNS} FROM portico.scan_runs WHERE id = $1`;

/** A new run with the root as its only pending folder. */
const CREATE_RUN = `
WITH run AS (
  INSERT INTO portico.scan_runs (cluster_id, started_term, term, initial, index_files_at_start, state, warnings)
  VALUES ($1, $2, $2, $3, $4, $5, $6::jsonb)
  RETURNING id
), root AS (
  INSERT INTO portico.scan_dirs (run_id, path) SELECT id, '' FROM run WHERE $5 = 'running'
)
SELECT id::text FROM run`;

const CLAIM_RUN = `
UPDATE portico.scan_runs SET term = $2, resumes = resumes + 1, updated_at = now()
 WHERE id = $1 AND state = 'running'
RETURNING id`;

const PENDING_DIRS = `
SELECT id::text, path FROM portico.scan_dirs
 WHERE run_id = $1 AND state = 'pending' AND id > $2
 ORDER BY id LIMIT $3`;

const COUNT_PENDING = `SELECT count(*)::int AS n FROM portico.scan_dirs WHERE run_id = $1 AND state = 'pending'`;
const DIR_STATE = `SELECT state FROM portico.scan_dirs WHERE run_id = $1 AND path = $2`;

/**
 * One statement per batch: finished folders, new pending sub-folders (returned with their ids,
 * in id order), issues (bounded per run) and the run's counters.
 */
const CHECKPOINT = `
WITH finished AS (
  -- upserted: a sub-folder may be listed in the same batch as its parent, before its row exists
  INSERT INTO portico.scan_dirs (run_id, path, state)
  SELECT $1::int8, u.path, u.state FROM unnest($2::text[], $3::text[]) AS u(path, state)
  ON CONFLICT (run_id, path) DO UPDATE SET state = EXCLUDED.state
), children AS (
  INSERT INTO portico.scan_dirs (run_id, path)
  SELECT $1::int8, u.path FROM unnest($4::text[]) WITH ORDINALITY AS u(path, ord)
   ORDER BY u.ord
  ON CONFLICT DO NOTHING
  RETURNING id, path
), issues AS (
  INSERT INTO portico.scan_issues (run_id, path, kind, message)
  SELECT $1::int8, u.path, u.kind, u.message
    FROM unnest($5::text[], $6::text[], $7::text[]) AS u(path, kind, message)
   LIMIT greatest(0, $8::int8 - (SELECT issues FROM portico.scan_runs WHERE id = $1::int8))
  ON CONFLICT DO NOTHING
  RETURNING 1
), run AS (
  UPDATE portico.scan_runs
     SET files_listed = files_listed + $9, files_new = files_new + $10, files_modified = files_modified + $11,
         files_moved = files_moved + $12, files_ready = files_ready + $13, entries_ignored = entries_ignored + $14,
         dirs_done = dirs_done + $15, dirs_failed = dirs_failed + $16,
         issues = issues + (SELECT count(*) FROM issues), updated_at = now()
   WHERE id = $1::int8
)
SELECT id::text, path FROM children ORDER BY id`;

const FINISH_RUN = `
WITH run AS (
  UPDATE portico.scan_runs
     SET state = $2, finished_at = now(), updated_at = now(),
         files_removed = files_removed + $3, removals_held = removals_held + $4,
         warnings = warnings || $5::jsonb
   WHERE id = $1
  RETURNING cluster_id
), dirs AS (
  DELETE FROM portico.scan_dirs WHERE run_id = $1
), old AS (
  DELETE FROM portico.scan_runs r
   USING run
   WHERE r.cluster_id = run.cluster_id AND r.state <> 'running'
     AND r.id < (SELECT min(k.id) FROM (SELECT id FROM portico.scan_runs
                                           WHERE cluster_id = run.cluster_id ORDER BY id DESC LIMIT $6) k)
)
SELECT 1`;

const LAST_LISTED = `
SELECT files_listed FROM portico.scan_runs
 WHERE cluster_id = $1 AND state = 'completed' ORDER BY id DESC LIMIT 1`;

const ADD_WARNINGS = `UPDATE portico.scan_runs SET warnings = warnings || $2::jsonb, updated_at = now() WHERE id = $1`;

const ISSUES = `SELECT path, kind, message FROM portico.scan_issues WHERE run_id = $1 ORDER BY at, path LIMIT $2`;

export class ScanRunRepository {
  /** The database clock, in ms since the epoch. */
  async databaseNow(db: Queryable): Promise<number> {
    const { rows } = await db.query<{ ms: number }>(
      'SELECT (extract(epoch FROM now()) * 1000)::float8 AS ms',
    );
    return rows[0]!.ms;
  }

  async storageId(db: Queryable, clusterId: string): Promise<string | null> {
    const { rows } = await db.query<{ storage_id: string }>(STORAGE_ID, [clusterId]);
    return rows[0]?.storage_id ?? null;
  }

  async recordStorage(client: PoolClient, clusterId: string, storageId: string): Promise<void> {
    await client.query(RECORD_STORAGE, [clusterId, storageId]);
  }

  async running(db: Queryable, clusterId: string): Promise<RunRow | null> {
    const { rows } = await db.query<RunRecord>(RUNNING, [clusterId]);
    return rows[0] ? toRun(rows[0]) : null;
  }

  async latest(db: Queryable, clusterId: string): Promise<RunRow | null> {
    const { rows } = await db.query<RunRecord>(LATEST, [clusterId]);
    return rows[0] ? toRun(rows[0]) : null;
  }

  async byId(db: Queryable, runId: string): Promise<RunRow> {
    const { rows } = await db.query<RunRecord>(BY_ID, [runId]);
    if (!rows[0]) throw new Error(`scan run ${runId} does not exist`);
    return toRun(rows[0]);
  }

  /** A new running run (root pending), or, with state 'failed', the record of a refused scan. */
  async create(
    client: PoolClient,
    input: {
      clusterId: string;
      term: number;
      initial: boolean;
      indexFiles: number;
      state: 'running' | 'failed';
      warnings: readonly ScanWarning[];
    },
  ): Promise<string> {
    const { rows } = await client.query<{ id: string }>(CREATE_RUN, [
      input.clusterId,
      input.term,
      input.initial,
      input.indexFiles,
      input.state,
      JSON.stringify(input.warnings),
    ]);
    return rows[0]!.id;
  }

  /** This term takes the running run over; false when it is no longer running. */
  async claim(client: PoolClient, runId: string, term: number): Promise<boolean> {
    const { rowCount } = await client.query(CLAIM_RUN, [runId, term]);
    return rowCount === 1;
  }

  async pendingFolders(
    db: Queryable,
    runId: string,
    afterId: string,
    limit: number,
  ): Promise<Array<{ id: string; path: string }>> {
    const { rows } = await db.query<{ id: string; path: string }>(PENDING_DIRS, [runId, afterId, limit]);
    return rows;
  }

  async countPending(db: Queryable, runId: string): Promise<number> {
    const { rows } = await db.query<{ n: number }>(COUNT_PENDING, [runId]);
    return rows[0]!.n;
  }

  async folderState(db: Queryable, runId: string, path: string): Promise<string | null> {
    const { rows } = await db.query<{ state: string }>(DIR_STATE, [runId, path]);
    return rows[0]?.state ?? null;
  }

  /** Records a batch's progress; returns the sub-folders newly queued, in id order. */
  async checkpoint(
    client: PoolClient,
    runId: string,
    input: {
      finished: ReadonlyArray<{ path: string; state: DirState }>;
      children: readonly string[];
      issues: readonly ScanIssue[];
      counters: BatchCounters;
    },
  ): Promise<Array<{ id: string; path: string }>> {
    const { finished, children, issues, counters } = input;
    const { rows } = await client.query<{ id: string; path: string }>(CHECKPOINT, [
      runId,
      finished.map((dir) => dir.path),
      finished.map((dir) => dir.state),
      children,
      issues.map((issue) => issue.path),
      issues.map((issue) => issue.kind),
      issues.map((issue) => issue.message),
      ISSUES_KEPT_PER_RUN,
      counters.filesListed,
      counters.filesNew,
      counters.filesModified,
      counters.filesMoved,
      counters.filesReady,
      counters.entriesIgnored,
      counters.foldersDone,
      counters.foldersFailed,
    ]);
    return rows;
  }

  /** How many files the last completed run listed (null before the first). */
  async lastListedFiles(db: Queryable, clusterId: string): Promise<number | null> {
    const { rows } = await db.query<{ files_listed: string }>(LAST_LISTED, [clusterId]);
    return rows[0] ? Number(rows[0].files_listed) : null;
  }

  async addWarnings(client: PoolClient, runId: string, warnings: readonly ScanWarning[]): Promise<void> {
    if (warnings.length > 0) await client.query(ADD_WARNINGS, [runId, JSON.stringify(warnings)]);
  }

  /** Ends the run: its checkpoint is dropped, and runs beyond the last RUNS_KEPT are pruned. */
  async finish(
    client: PoolClient,
    runId: string,
    input: { state: 'completed' | 'failed'; removed: number; held: number; warnings: readonly ScanWarning[] },
  ): Promise<void> {
    await client.query(FINISH_RUN, [
      runId,
      input.state,
      input.removed,
      input.held,
      JSON.stringify(input.warnings),
      RUNS_KEPT,
    ]);
  }

  async issues(db: Queryable, runId: string, limit: number): Promise<ScanIssue[]> {
    const { rows } = await db.query<{ path: string; kind: ScanIssueKind; message: string }>(ISSUES, [
      runId,
      limit,
    ]);
    return rows;
  }
}

function toRun(record: RunRecord): RunRow {
  return {
    id: record.id,
    state: record.state,
    term: Number(record.term),
    resumes: record.resumes,
    initial: record.initial,
    indexFilesAtStart: Number(record.index_files_at_start),
    startedAtMs: record.started_ms,
    finishedAtMs: record.finished_ms,
    totals: {
      filesListed: Number(record.files_listed),
      filesNew: Number(record.files_new),
      filesModified: Number(record.files_modified),
      filesMoved: Number(record.files_moved),
      filesReady: Number(record.files_ready),
      filesRemoved: Number(record.files_removed),
      removalsHeld: Number(record.removals_held),
      entriesIgnored: Number(record.entries_ignored),
      foldersDone: Number(record.dirs_done),
      foldersFailed: Number(record.dirs_failed),
      issues: Number(record.issues),
    },
    warnings: record.warnings,
  };
}
