// SPEC 4, the small-file pipeline: 10,000 files of 4 KiB appear on the storage of a one-node
// cluster (the control plane and one gateway process with MAIN + CHECKSUM, as users run it) and
// are measured until the catalog shows every one checksummed; the rate is compared with raw
// pg-boss (batched insert(), work() with batchSize 50, through pgBouncer) in the same run.
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { checksumFileJob, queueName } from '@portico/jobs-contracts';
import { createNodeIdentity, harnessUrls, nodeEnv, waitFor } from '@portico/testing';
import type { Client } from 'pg';

import { manageProcesses, prepareApps, startControlPlane, startNodeProcess } from '../lib/apps';
import type { BenchContext, Benchmark } from '../lib/benchmark';
import { round } from '../lib/output';
import { directClient, startServices } from '../lib/services';
import {
  databaseEpoch,
  firstScanStart,
  leaderTerm,
  summarizeJobs,
  verifyCatalog,
  watchPipeline,
  type JobSummary,
  type Milestones,
} from './catalog-watch';
import { FILE_BYTES, writeSmallFiles } from './files';
import { rawPgBossRate } from './raw-pgboss';

const FILES = { full: 10_000, quick: 2_000 };
/** The folder the files arrive in, at the storage root. */
const INCOMING = 'incoming';
/** How often the catalog is counted while the files flow (the resolution of the milestones). */
const POLL_MS = 100;
const PIPELINE_TIMEOUT_MS = 900_000;
const STARTUP_TIMEOUT_MS = 60_000;

/**
 * Cluster settings of the run: the growing-files threshold is the lowest the settings allow (0 s,
 * a file is ingested at first sight), so that what is measured is the pipeline, not the stability
 * window; the rest are the defaults (scan_interval_seconds 60: the scan that finds the files is
 * the one the leader's watch of the storage starts; checksum_max_workers 2, md5).
 */
export const CLUSTER_SETTINGS = {
  growing_files_threshold_seconds: 0,
} as const;

/**
 * Waits until the leader has finished a scan of the (still empty) storage: the cluster is idle
 * and ready. `stop` is asked on every poll and ends the wait with its reason.
 */
async function untilFirstScan(sql: Client, clusterId: string, stop: () => string | undefined): Promise<void> {
  for (;;) {
    const { rows } = await sql.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM portico.scan_runs WHERE cluster_id = $1 AND state = 'completed'",
      [clusterId],
    );
    if (rows[0]!.n > 0) return;
    const reason = stop();
    if (reason) throw new Error(reason);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function logBreakdown(log: (message: string) => void, jobs: JobSummary, milestones: Milestones): void {
  const seconds = (value: number | null): string => (value === null ? '-' : `${value.toFixed(2)} s`);
  log(
    `checksum jobs: ${jobs.completed} completed (${jobs.completedFiles} files), ${jobs.retries} retries; first claimed ` +
      `${seconds(jobs.firstStartedS)}, last completed ${seconds(jobs.lastCompletedS)} (database clock), ` +
      `mean ${jobs.meanRunMs?.toFixed(1) ?? '-'} ms from claim to completion`,
  );
  log(
    `milestones (polls): first catalogued ${milestones.firstCatalogued.toFixed(2)} s, all catalogued ` +
      `${milestones.allCatalogued.toFixed(2)} s, first checksummed ${milestones.firstChecksummed.toFixed(2)} s, ` +
      `all checksummed ${milestones.allChecksummed.toFixed(2)} s`,
  );
}

async function run({ quick, emit, log, lifecycle }: BenchContext): Promise<void> {
  const count = quick ? FILES.quick : FILES.full;
  prepareApps(lifecycle);
  const services = await startServices('pipeline', lifecycle, log);
  manageProcesses(lifecycle);
  const scratch = mkdtempSync(path.join(tmpdir(), 'portico-bench-pipeline-'));
  lifecycle.defer('scratch folder', () => rmSync(scratch, { recursive: true, force: true }));
  // Node processes may run as another user when the harness does; they must reach the storage.
  chmodSync(scratch, 0o755);
  const storage = path.join(scratch, 'storage');
  const staging = path.join(scratch, 'staging');
  mkdirSync(storage);
  mkdirSync(staging);
  const sql = await directClient(services, lifecycle);

  // The copy: written beside the storage on the same file system, then moved in with one rename,
  // so all files appear at one instant and the clock starts when the copy is complete.
  const writing = performance.now();
  const expected = writeSmallFiles(path.join(staging, INCOMING), count);
  log(`${count} files of ${FILE_BYTES} bytes written in ${Math.round(performance.now() - writing)} ms`);

  const raw: number[] = [await rawPgBossRate(services.url, count)];
  log(`raw pg-boss: ${Math.round(raw[0]!)} jobs/s`);

  const controlPlane = await startControlPlane(services.url, randomBytes(24).toString('hex'));
  const cluster = await controlPlane.admin.createCluster({
    name: 'bench-pipeline',
    settings: CLUSTER_SETTINGS,
  });
  await controlPlane.admin.createStorage(cluster.id, { name: 'nas' });
  const identity = await createNodeIdentity(controlPlane.admin, cluster.id, 'bench-gateway', [
    'MAIN',
    'CHECKSUM',
  ]);
  const node = await startNodeProcess(
    'gateway',
    nodeEnv({
      controlPlaneUrl: controlPlane.url,
      databaseUrl: services.url,
      identity,
      mountPoint: storage,
      extra: { PORTICO_ROLES: 'MAIN,CHECKSUM', PORTICO_REDIS_URL: harnessUrls.redisUrl(services.state) },
    }),
  );
  const alive = (): string | undefined =>
    node.process.running ? undefined : `the gateway exited; its last output:\n${node.process.output()}`;
  const startupDeadline = performance.now() + STARTUP_TIMEOUT_MS;
  await untilFirstScan(
    sql,
    cluster.id,
    () =>
      alive() ??
      (performance.now() > startupDeadline
        ? `the leader did not finish a scan of the empty storage in ${STARTUP_TIMEOUT_MS / 1000} s; ` +
          `the gateway's last output:\n${node.process.output()}`
        : undefined),
  );
  log(`one-node cluster up (gateway MAIN,CHECKSUM); settings ${JSON.stringify(CLUSTER_SETTINGS)}`);

  const termBefore = await leaderTerm(sql, cluster.id);
  const startEpoch = await databaseEpoch(sql);
  const startedAt = performance.now();
  renameSync(path.join(staging, INCOMING), path.join(storage, INCOMING));
  const milestones = await watchPipeline(sql, cluster.id, {
    expected: count,
    startedAt,
    intervalMs: POLL_MS,
    timeoutMs: PIPELINE_TIMEOUT_MS,
    alive,
    log,
  });
  await verifyCatalog(sql, cluster.id, INCOMING, expected);
  const elections = (await leaderTerm(sql, cluster.id)) - termBefore;
  // A checksum is recorded just before its job completes: the last completions may still be on the way.
  const queue = queueName(cluster.id, checksumFileJob.name);
  const jobs = await waitFor(
    async () => {
      const summary = await summarizeJobs(sql, queue, startEpoch);
      return summary.completedFiles >= count && summary.unfinished === 0 ? summary : undefined;
    },
    { timeoutMs: 30_000, intervalMs: 50, description: `the checksum jobs of all ${count} files completed` },
  );
  logBreakdown(log, jobs, milestones);
  const scanStart = await firstScanStart(sql, cluster.id, startEpoch);
  const warnings = node.process
    .logs()
    .filter((line) => typeof line['level'] === 'number' && line['level'] >= 40);
  log(`leader elections during the run: ${elections}; gateway warnings/errors: ${warnings.length}`);
  for (const line of warnings.slice(0, 10)) log(`  gateway: ${JSON.stringify(line).slice(0, 400)}`);

  // The reference again with the cluster stopped, so that both sides saw the machine as it was.
  await node.process.stop('SIGTERM');
  await controlPlane.process.stop('SIGTERM');
  raw.push(await rawPgBossRate(services.url, count));
  log(`raw pg-boss again: ${Math.round(raw[1]!)} jobs/s`);

  const pipelineRate = count / milestones.allChecksummed;
  const rawBest = Math.max(...raw);
  emit({ metric: 'files', value: count, unit: 'count' });
  emit({ metric: 'pipeline_files_per_s', value: round(pipelineRate, 0), unit: 'files/s' });
  emit({ metric: 'raw_pgboss_jobs_per_s', value: round(rawBest, 0), unit: 'jobs/s' });
  emit({
    metric: 'pipeline_vs_raw_pgboss_ratio',
    value: round(pipelineRate / rawBest, 3),
    unit: 'ratio',
    target: { op: '>=', value: 0.25 },
  });
  if (scanStart !== null) emit({ metric: 'time_to_scan_start_s', value: round(scanStart, 2), unit: 's' });
  emit({ metric: 'time_to_first_catalogued_s', value: round(milestones.firstCatalogued, 2), unit: 's' });
  emit({ metric: 'time_to_all_catalogued_s', value: round(milestones.allCatalogued, 2), unit: 's' });
  emit({ metric: 'time_to_all_checksummed_s', value: round(milestones.allChecksummed, 2), unit: 's' });
  // The checksum side alone: from the first claim to the last completion (database clock).
  emit({ metric: 'checksum_jobs', value: jobs.completed, unit: 'count' });
  if (jobs.firstStartedS !== null && jobs.lastCompletedS !== null && jobs.lastCompletedS > jobs.firstStartedS)
    emit({
      metric: 'checksum_files_per_s',
      value: round(count / (jobs.lastCompletedS - jobs.firstStartedS), 0),
      unit: 'files/s',
    });
  if (jobs.meanRunMs !== null)
    emit({ metric: 'checksum_job_mean_ms', value: round(jobs.meanRunMs, 1), unit: 'ms' });
  emit({ metric: 'checksum_job_retries', value: jobs.retries, unit: 'count' });
  emit({ metric: 'leader_elections_during_run', value: elections, unit: 'count' });
}

export const pipeline: Benchmark = { run };
