// The CHECKSUM role's handler. A worker (one slot of `checksum_max_workers`) takes a batch of
// checksum jobs — many small files, or one large file: the batch is bounded by bytes to read — and
// reads its files, one read of each computing every requested digest: a large file alone, small
// ones a few at a time (their cost is the file system's latency, not its bandwidth). The
// digests of the whole batch are recorded, and the transcode jobs that follow enqueued (their
// outputs planned in the catalog), in one transaction fenced by every job's lease: a job whose
// lease is gone by then is left out of it and records nothing. With nothing to transcode, an asset
// is ready then.
import { Inject, Injectable } from '@nestjs/common';
import { ChecksumBatchRepository } from '@portico/catalog';
import { checksumFileJob, transcodeAssetJob, type JobPayload } from '@portico/jobs-contracts';
import {
  type BatchJobContext,
  type BatchJobResult,
  type JobBatchContext,
  LostLeaseError,
  OnJobBatch,
} from '@portico/jobs-runtime';
import { LOGGER, NODE_RUNTIME, type Logger, type NodeRuntime } from '@portico/platform';
import { FileAccessError, FileHasher, type FileHashResult, StoragePaths } from '@portico/storage';

import {
  type ChecksumFollowUp,
  type ChecksumTargetMissingError,
  type HashedOriginal,
  recordChecksumBatch,
} from './checksum-follow-up';
import { CHECKSUM_BATCH, forEachWithin, readsInFlight } from './checksum-batch';
import { heartbeatProgress } from './progress-heartbeat';

type ChecksumPayload = JobPayload<typeof checksumFileJob>;
type ChecksumJob = BatchJobContext<ChecksumPayload>;

export interface ChecksumOutput {
  readonly checksums: Record<string, string>;
  /** The file is no longer the version the job names (the scan ingests the new one). */
  readonly stale?: true;
  /** The file no longer exists on a storage that is up (a missing file on a down NAS is retried). */
  readonly gone?: true;
  readonly duplicateOf?: string;
  readonly transcodes: number;
}

@Injectable()
export class ChecksumHandler {
  private readonly checksums = new ChecksumBatchRepository();

  constructor(
    @Inject(NODE_RUNTIME) private readonly runtime: NodeRuntime,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly hasher: FileHasher,
    private readonly paths: StoragePaths,
  ) {}

  @OnJobBatch(checksumFileJob, CHECKSUM_BATCH)
  async checksumFiles(batch: JobBatchContext<ChecksumPayload>): Promise<Map<string, BatchJobResult>> {
    const results = new Map<string, BatchJobResult>();
    const hashed: Array<{ job: ChecksumJob; original: HashedOriginal }> = [];
    // One resolution of the storage root for the batch; a path it refuses fails its job alone.
    const absolutes = await this.paths.resolveAll(batch.jobs.map((job) => job.payload.path));
    const absoluteOf = new Map(batch.jobs.map((job, i) => [job.jobId, absolutes[i]!]));
    await forEachWithin(batch.jobs, readsInFlight(batch.jobs), async (job) => {
      if (job.signal.aborted) return;
      try {
        const absolute = absoluteOf.get(job.jobId)!;
        if (absolute instanceof Error) throw absolute;
        const outcome = await this.hashOne(job, absolute);
        if ('output' in outcome) results.set(job.jobId, outcome);
        else hashed.push({ job, original: outcome.original });
      } catch (error) {
        results.set(job.jobId, { error });
      }
    });
    if (hashed.length === 0) return results;
    const clusterId = this.runtime.identity.clusterId;
    // One fenced transaction per primary algorithm (in practice one: the setting rarely changes
    // under a running ingest), so that each locks its rows in one order.
    const held = new Set<string>();
    const recorded = new Map<string, ChecksumFollowUp | ChecksumTargetMissingError>();
    for (const group of groupBy(hashed, ({ original }) => original.primary.algorithm)) {
      try {
        const { ids, outcomes } = await batch.withAttemptsFence(
          group.map(({ job }) => job),
          async (client, heldJobs) => {
            const ids = new Set(heldJobs.map((job) => job.jobId));
            const originals = group.filter(({ job }) => ids.has(job.jobId)).map(({ original }) => original);
            const outcomes = await recordChecksumBatch(
              client,
              { clusterId, checksums: this.checksums, producer: this.runtime.jobs.producer },
              originals,
            );
            return { ids, outcomes };
          },
        );
        for (const id of ids) held.add(id);
        for (const [fileId, outcome] of outcomes) recorded.set(fileId, outcome);
      } catch (error) {
        // Nothing of this group was recorded: each of its jobs fails with the reason (and retries).
        for (const { job } of group) results.set(job.jobId, { error });
      }
    }
    let transcodes = 0;
    for (const { job, original } of hashed) {
      if (results.has(job.jobId)) continue;
      if (!held.has(job.jobId)) {
        results.set(job.jobId, {
          error: new LostLeaseError(
            job.attemptId,
            job.queue,
            job.jobId,
            'expired',
            'the lease was gone when the batch recorded its checksums',
          ),
        });
        continue;
      }
      const followUp = recorded.get(original.fileId)!;
      if (followUp instanceof Error) {
        results.set(job.jobId, { error: followUp });
        continue;
      }
      transcodes += followUp.profiles.length;
      const output: ChecksumOutput = {
        checksums: original.checksums,
        transcodes: followUp.profiles.length,
        ...(followUp.duplicateOf ? { duplicateOf: followUp.duplicateOf.fileId } : {}),
      };
      results.set(job.jobId, { output });
    }
    if (transcodes > 0) this.runtime.jobs.producer.wake(transcodeAssetJob, clusterId);
    return results;
  }

  /** Hashes one job's file: the digests to record, or the job's output when there is nothing to record. */
  private async hashOne(
    job: ChecksumJob,
    absolute: string,
  ): Promise<{ output: ChecksumOutput } | { original: HashedOriginal }> {
    const { payload } = job;
    const result = await this.hashOrGone(absolute, job);
    if (!result) {
      this.logger.info(
        { path: payload.path, fileId: payload.fileId },
        'file is gone from a healthy storage; the scan records its removal',
      );
      return { output: { checksums: {}, gone: true, transcodes: 0 } };
    }
    const checksums = Object.fromEntries(result.checksums.map((c) => [c.algorithm, c.value]));
    if (result.size !== payload.size || result.mtimeMs !== payload.mtimeMs) {
      this.logger.info(
        {
          path: payload.path,
          fileId: payload.fileId,
          expected: { size: payload.size, mtimeMs: payload.mtimeMs },
          found: { size: result.size, mtimeMs: result.mtimeMs },
        },
        'file changed since it was catalogued; its new version is ingested by the next scan',
      );
      return { output: { checksums, stale: true, transcodes: 0 } };
    }
    return {
      original: {
        fileId: payload.fileId,
        assetId: payload.assetId,
        path: payload.path,
        size: result.size,
        checksums,
        primary: result.checksums[0]!,
      },
    };
  }

  /** Hashes the file; undefined when it is missing while the storage health check passes. */
  private async hashOrGone(absolute: string, job: ChecksumJob): Promise<FileHashResult | undefined> {
    try {
      return await this.hasher.hash(absolute, {
        algorithms: job.payload.algorithms,
        signal: job.signal,
        onProgress: (progress) => {
          const reported = heartbeatProgress(progress);
          if (reported) void job.heartbeat(reported).catch(() => undefined);
        },
      });
    } catch (error) {
      if (
        error instanceof FileAccessError &&
        error.reason === 'missing' &&
        this.runtime.health.isHealthy('storage')
      ) {
        return undefined;
      }
      throw error;
    }
  }
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): T[][] {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const group = groups.get(key(item));
    if (group) group.push(item);
    else groups.set(key(item), [item]);
  }
  return [...groups.values()];
}
