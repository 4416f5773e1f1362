import type { Pool } from 'pg';

/** The cluster's storage as the scan loop needs it: its id and the overrides of the scan settings. */
export interface ScannedStorage {
  readonly id: string;
  /** Folders to scan, relative to the root; empty: the whole storage. */
  readonly scanDirectories: readonly string[];
  /** Replaces the `ignore_patterns` setting for this storage's scans; null: the setting applies. */
  readonly ignorePatterns: readonly string[] | null;
  /** Replaces `growing_files_threshold_seconds`; null: the setting applies. */
  readonly growingFilesThresholdSeconds: number | null;
}

/** The cluster's storage (one cluster serves one storage), or undefined until one is configured. */
export async function storageOfCluster(pool: Pool, clusterId: string): Promise<ScannedStorage | undefined> {
  const { rows } = await pool.query<{
    id: string;
    scan_directories: string[];
    ignore_patterns: string[] | null;
    growing_files_threshold_seconds: number | null;
  }>(
    `SELECT id, scan_directories, ignore_patterns, growing_files_threshold_seconds
       FROM portico.storages WHERE cluster_id = $1 ORDER BY created_at LIMIT 1`,
    [clusterId],
  );
  const row = rows[0];
  return (
    row && {
      id: row.id,
      scanDirectories: row.scan_directories,
      ignorePatterns: row.ignore_patterns,
      growingFilesThresholdSeconds: row.growing_files_threshold_seconds,
    }
  );
}
