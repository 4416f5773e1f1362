// What the benchmark reads of the catalog, straight from PostgreSQL (not through pgBouncer, so the
// observer takes no server connection from the node): one cheap count per poll while the files
// flow, and a full comparison of the recorded digests with the expected ones at the end.
import type { Client } from 'pg';

import type { ExpectedDigests } from './files';

export interface CatalogCounts {
  /** Files of the storage in the catalog (any status). */
  readonly catalogued: number;
  /** Of them, with their checksum recorded (whatever status follows it). */
  readonly checksummed: number;
}

export async function countFiles(sql: Client, clusterId: string): Promise<CatalogCounts> {
  const { rows } = await sql.query<{ catalogued: number; checksummed: number }>(
    `SELECT count(*)::int AS catalogued,
            count(*) FILTER (WHERE checksums <> '{}'::jsonb)::int AS checksummed
       FROM portico.files
      WHERE cluster_id = $1 AND location = 'storage' AND NOT removed`,
    [clusterId],
  );
  return rows[0]!;
}

export interface Milestones {
  /** Seconds from the start to the first poll that saw at least one file catalogued. */
  firstCatalogued: number;
  /** ... that saw every file catalogued. */
  allCatalogued: number;
  /** ... that saw the first checksum recorded. */
  firstChecksummed: number;
  /** ... that saw every checksum recorded: the end of the measurement. */
  allChecksummed: number;
}

/**
 * Polls the counts every `intervalMs` until all `expected` files are checksummed; each milestone
 * is the time of the poll answer that first showed it (so a poll interval is the resolution).
 * `alive` is asked on every poll: the wait fails at once, with its reason, when the cluster died.
 */
export async function watchPipeline(
  sql: Client,
  clusterId: string,
  options: {
    readonly expected: number;
    readonly startedAt: number;
    readonly intervalMs: number;
    readonly timeoutMs: number;
    readonly alive: () => string | undefined;
    readonly log: (message: string) => void;
  },
): Promise<Milestones> {
  const { expected, startedAt } = options;
  const since = (): number => (performance.now() - startedAt) / 1000;
  const seen: Partial<Milestones> = {};
  let lastLog = 0;
  for (;;) {
    const counts = await countFiles(sql, clusterId);
    const at = since();
    if (counts.catalogued > 0) seen.firstCatalogued ??= at;
    if (counts.catalogued >= expected) seen.allCatalogued ??= at;
    if (counts.checksummed > 0) seen.firstChecksummed ??= at;
    if (counts.checksummed >= expected) {
      seen.allChecksummed = at;
      return seen as Milestones;
    }
    if (at - lastLog >= 2) {
      lastLog = at;
      options.log(
        `${at.toFixed(1)} s: ${counts.catalogued} catalogued, ${counts.checksummed} checksummed of ${expected}`,
      );
    }
    const dead = options.alive();
    if (dead)
      throw new Error(`${dead} after ${at.toFixed(1)} s (${counts.checksummed} of ${expected} checksummed)`);
    if (at * 1000 > options.timeoutMs)
      throw new Error(
        `only ${counts.catalogued} catalogued and ${counts.checksummed} checksummed of ${expected} files ` +
          `after ${options.timeoutMs / 1000} s: see the node's log above`,
      );
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs));
  }
}

/**
 * The catalog holds exactly the files written, once each, every one with the MD5 of its content.
 * Throws naming the first files that differ: a pipeline that loses, doubles or mis-hashes files
 * fails the benchmark instead of printing a rate.
 */
export async function verifyCatalog(
  sql: Client,
  clusterId: string,
  prefix: string,
  expected: ExpectedDigests,
): Promise<void> {
  const { rows } = await sql.query<{ path: string; md5: string | null; status: string }>(
    `SELECT path, checksums ->> 'md5' AS md5, status
       FROM portico.files
      WHERE cluster_id = $1 AND location = 'storage' AND NOT removed`,
    [clusterId],
  );
  const problems: string[] = [];
  const found = new Set<string>();
  for (const row of rows) {
    const relative = row.path.startsWith(`${prefix}/`) ? row.path.slice(prefix.length + 1) : undefined;
    const want = relative === undefined ? undefined : expected.get(relative);
    if (want === undefined) problems.push(`unexpected file ${row.path}`);
    else if (found.has(row.path)) problems.push(`${row.path} catalogued twice`);
    else if (row.md5 !== want)
      problems.push(`${row.path}: md5 ${row.md5 ?? 'none'} (${row.status}), expected ${want}`);
    found.add(row.path);
  }
  for (const relative of expected.keys())
    if (!found.has(`${prefix}/${relative}`)) problems.push(`${prefix}/${relative} missing from the catalog`);
  if (problems.length > 0)
    throw new Error(
      `the catalog does not match the files written (${problems.length} problems): ${problems.slice(0, 5).join('; ')}`,
    );
}

export interface JobSummary {
  readonly completed: number;
  /** Files carried by the completed jobs (a checksum job carries up to 100 small files). */
  readonly completedFiles: number;
  /** Claims beyond the first, over all jobs: each is a retry the pipeline paid for. */
  readonly retries: number;
  /** Jobs not completed (queued, active, failed, dead-lettered). */
  readonly unfinished: number;
  /** Seconds from `startEpoch` (database clock) to the first claim and the last completion. */
  readonly firstStartedS: number | null;
  readonly lastCompletedS: number | null;
  /** Mean time from claim to completion, in ms. */
  readonly meanRunMs: number | null;
}

/**
 * The jobs of one queue as pg-boss holds them (its job row is the lease: started_on is the last
 * claim, retry_count counts the claims after the first), timed on the database clock.
 */
export async function summarizeJobs(sql: Client, queue: string, startEpoch: number): Promise<JobSummary> {
  const { rows } = await sql.query<{
    completed: number;
    completed_files: number;
    retries: number;
    unfinished: number;
    first_started: number | null;
    last_completed: number | null;
    mean_run_ms: number | null;
  }>(
    `SELECT count(*) FILTER (WHERE state = 'completed')::int AS completed,
            coalesce(sum(jsonb_array_length(data->'files')) FILTER (WHERE state = 'completed'), 0)::int
              AS completed_files,
            coalesce(sum(retry_count), 0)::int AS retries,
            count(*) FILTER (WHERE state <> 'completed')::int AS unfinished,
            extract(epoch FROM min(started_on))::float8 - $2 AS first_started,
            extract(epoch FROM max(completed_on))::float8 - $2 AS last_completed,
            (avg(extract(epoch FROM completed_on - started_on)) * 1000)::float8 AS mean_run_ms
       FROM pgboss.job
      WHERE name = $1`,
    [queue, startEpoch],
  );
  const row = rows[0]!;
  return {
    completed: row.completed,
    completedFiles: row.completed_files,
    retries: row.retries,
    unfinished: row.unfinished,
    firstStartedS: row.first_started,
    lastCompletedS: row.last_completed,
    meanRunMs: row.mean_run_ms,
  };
}

/**
 * Seconds from `startEpoch` (database clock) to the start of the first scan after it: how long the
 * files waited for a scan to notice them. Null when no scan started after it.
 */
export async function firstScanStart(
  sql: Client,
  clusterId: string,
  startEpoch: number,
): Promise<number | null> {
  const { rows } = await sql.query<{ s: number | null }>(
    `SELECT extract(epoch FROM min(started_at))::float8 - $2 AS s
       FROM portico.scan_runs WHERE cluster_id = $1 AND started_at >= to_timestamp($2)`,
    [clusterId, startEpoch],
  );
  return rows[0]?.s ?? null;
}

/** The cluster's leader term now (every election increments it). */
export async function leaderTerm(sql: Client, clusterId: string): Promise<number> {
  const { rows } = await sql.query<{ term: string }>(
    'SELECT term::text AS term FROM portico.cluster_leases WHERE cluster_id = $1',
    [clusterId],
  );
  return Number(rows[0]?.term ?? 0);
}

/** The database clock now, as seconds since the epoch. */
export async function databaseEpoch(sql: Client): Promise<number> {
  const { rows } = await sql.query<{ epoch: number }>(
    'SELECT extract(epoch FROM clock_timestamp())::float8 AS epoch',
  );
  return rows[0]!.epoch;
}
