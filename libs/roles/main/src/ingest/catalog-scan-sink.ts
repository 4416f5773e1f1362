// The scanner's sink in production: each batch of decided changes becomes catalog rows and
// checksum jobs (small files grouped, see checksumJobsFor) inside the scanner's fenced transaction (the one that also updates the file
// index), so every content version is ingested — and its checksum enqueued — exactly once.
import { CatalogRepository } from '@portico/catalog';
import type { StatisticsKeeper } from '@portico/db';
import { checksumFileJob, checksumJobsFor, type JobInput, queueName } from '@portico/jobs-contracts';
import { type JobProducer, queueTable } from '@portico/jobs-runtime';
import type { PoolClient } from 'pg';
import { type ScanChange, ScanSink } from '../scan/scan-sink';

export interface CatalogScanSinkOptions {
  readonly clusterId: string;
  readonly storageId: string;
  readonly producer: JobProducer;
  /** The checksum algorithms now (the `checksum_algorithms` setting). */
  readonly algorithms: () => ReadonlyArray<JobInput<typeof checksumFileJob>['algorithms'][number]>;
  /**
   * Told of the checksum jobs each ingest adds, so that the planner's statistics of the queue keep
   * up with a bulk ingest (pg-boss's fetch depends on them). The catalog tables are not refreshed:
   * the ingest and the recording of checksums find their rows by key whatever the statistics say
   * (tested by EXPLAIN on a catalog never analysed), and refreshing them during a bulk ingest cost
   * about 0.37 s of the database's time per 10,000 files (bench/pipeline).
   */
  readonly statistics?: StatisticsKeeper;
}

export class CatalogScanSink extends ScanSink {
  private readonly catalog = new CatalogRepository();
  private wakeTimer: NodeJS.Timeout | undefined;
  private checksumTable: string | undefined;

  constructor(private readonly options: CatalogScanSinkOptions) {
    super();
  }

  override async apply(client: PoolClient, changes: readonly ScanChange[]): Promise<void> {
    const { clusterId, storageId } = this.options;
    const ingests = changes.filter((change) => change.kind === 'ingest');
    if (ingests.length > 0) {
      const results = await this.catalog.ingestMany(
        client,
        clusterId,
        storageId,
        ingests.map((change) => ({
          path: change.path,
          size: change.size,
          mtime: new Date(change.mtimeMs),
          inode: change.inode,
        })),
      );
      const created = results
        .map((result, i) => ({ result, change: ingests[i]! }))
        .filter(({ result, change }) => result.created && !change.empty)
        .map(({ result, change }) => ({
          fileId: result.fileId,
          assetId: result.assetId,
          path: change.path,
          size: change.size,
          mtimeMs: Math.trunc(change.mtimeMs),
        }));
      const payloads = checksumJobsFor(created, [...this.options.algorithms()]);
      await this.options.producer.sendBatch(checksumFileJob, clusterId, payloads, { db: client });
      if (payloads.length > 0) this.wakeSoon();
      await this.noteJobs(client, payloads.length);
    }
    for (const change of changes) {
      if (change.kind === 'move') {
        for (const file of await this.catalog.findFilesByPath(client, clusterId, change.from)) {
          await this.catalog.markMoved(client, clusterId, file.id, change.to);
        }
      }
    }
    const removed = changes.filter((change) => change.kind === 'remove');
    if (removed.length > 0) {
      const ids: string[] = [];
      for (const change of removed) {
        for (const file of await this.catalog.findFilesByPath(client, clusterId, change.path))
          ids.push(file.id);
      }
      await this.catalog.markRemoved(client, clusterId, ids);
    }
  }

  private async noteJobs(client: PoolClient, jobs: number): Promise<void> {
    const { statistics, clusterId } = this.options;
    if (!statistics) return;
    this.checksumTable ??= await queueTable(client, queueName(clusterId, checksumFileJob.name));
    statistics.noteWrites(this.checksumTable, jobs);
  }

  /**
   * The batch commits right after apply() returns (the scanner's transaction); a wake-up sent now
   * could reach a consumer before the jobs are visible, so it goes out a moment later. A lost
   * wake-up costs one polling interval, never a job.
   */
  private wakeSoon(): void {
    if (this.wakeTimer) return;
    this.wakeTimer = setTimeout(() => {
      this.wakeTimer = undefined;
      this.options.producer.wake(checksumFileJob, this.options.clusterId);
    }, 50);
    this.wakeTimer.unref();
  }
}
