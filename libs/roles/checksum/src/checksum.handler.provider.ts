// The CHECKSUM role's handler: one read of the file computes every requested digest; the result
// is recorded and the transcode jobs that follow are enqueued (their outputs planned in the
// catalog) in one transaction that commits only while this attempt holds its lease (exactly one
// effect, whatever happens to other attempts). With nothing to transcode, the asset is ready then.
import { Inject, Injectable } from '@nestjs/common';
import { CatalogRepository } from '@portico/catalog';
import { checksumFileJob, transcodeAssetJob, type JobPayload } from '@portico/jobs-contracts';
import { OnJob, type JobContext } from '@portico/jobs-runtime';
import { LOGGER, NODE_RUNTIME, type Logger, type NodeRuntime } from '@portico/platform';
import { FileAccessError, FileHasher, type FileHashResult, StoragePaths } from '@portico/storage';
import { heartbeatProgress } from './progress-heartbeat';
import { recordChecksum } from './checksum-follow-up';

type ChecksumJob = JobContext<JobPayload<typeof checksumFileJob>>;

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
  private readonly catalog = new CatalogRepository();

  constructor(
    @Inject(NODE_RUNTIME) private readonly runtime: NodeRuntime,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly hasher: FileHasher,
    private readonly paths: StoragePaths,
  ) {}

  @OnJob(checksumFileJob)
  async checksumFile(ctx: ChecksumJob): Promise<ChecksumOutput> {
    const { payload } = ctx;
    const clusterId = this.runtime.identity.clusterId;
    const absolute = await this.paths.resolve(payload.path);
    const result = await this.hashOrGone(absolute, ctx);
    if (!result) {
      this.logger.info(
        { path: payload.path, fileId: payload.fileId },
        'file is gone from a healthy storage; the scan records its removal',
      );
      return { checksums: {}, gone: true, transcodes: 0 };
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
      return { checksums, stale: true, transcodes: 0 };
    }
    const { duplicateOf, profiles } = await ctx.withAttemptFence((client) =>
      recordChecksum(
        client,
        { clusterId, catalog: this.catalog, producer: this.runtime.jobs.producer },
        {
          fileId: payload.fileId,
          assetId: payload.assetId,
          path: payload.path,
          size: result.size,
          checksums,
          primary: result.checksums[0]!,
        },
      ),
    );
    if (profiles.length > 0) this.runtime.jobs.producer.wake(transcodeAssetJob, clusterId);
    return {
      checksums,
      transcodes: profiles.length,
      ...(duplicateOf ? { duplicateOf: duplicateOf.fileId } : {}),
    };
  }

  /** Hashes the file; undefined when it is missing while the storage health check passes. */
  private async hashOrGone(absolute: string, ctx: ChecksumJob): Promise<FileHashResult | undefined> {
    try {
      return await this.hasher.hash(absolute, {
        algorithms: ctx.payload.algorithms,
        signal: ctx.signal,
        onProgress: (progress) => {
          const reported = heartbeatProgress(progress);
          if (reported) void ctx.heartbeat(reported).catch(() => undefined);
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
