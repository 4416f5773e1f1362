// transfer.upload: an output of the pipeline (proxy, keyframes, poster) goes from the storage to
// the proxy store, verified end to end by the object store; then, fenced by this attempt, its
// catalog file is marked stored with the size and checksum that were proven, and the asset ready
// when that was its last planned output (decided under the asset's row lock, so that two uploads
// finishing at once cannot both miss it).
import { type JobPayload, transferUploadJob } from '@portico/jobs-contracts';
import { type JobContext, OnJob } from '@portico/jobs-runtime';

import { heartbeatProgress } from '../support/transfer-progress';
import { TransferCatalogError } from '../support/transfer-errors';
import { type TransferServices } from '../support/transfer-services';

export interface UploadOutput {
  readonly fileId: string;
  readonly key: string;
  readonly size: number;
  readonly outcome: 'uploaded' | 'already-present';
  readonly partsSent: number;
  readonly partsReused: number;
  /** The asset is ready (every planned output stored) as this upload's record commits. */
  readonly assetReady: boolean;
}

export class UploadHandler {
  constructor(private readonly services: TransferServices) {}

  @OnJob(transferUploadJob)
  async upload(ctx: JobContext<JobPayload<typeof transferUploadJob>>): Promise<UploadOutput> {
    const { payload } = ctx;
    const { services } = this;
    const sourcePath = await services.paths.resolve(payload.sourcePath);
    const store = await services.stores.store(payload.destination.storageId, ['proxy']);
    const release = await services.uploadSlots.acquire(ctx.signal);
    const result = await store
      .upload({
        sourcePath,
        key: payload.destination.key,
        checksum: payload.checksum,
        onProgress: heartbeatProgress((p) => ctx.heartbeat(p), 'upload', services.progressIntervalMs),
        signal: ctx.signal,
      })
      .finally(release);
    const readiness = await ctx.withAttemptFence(async (client) => {
      const file = await services.catalog.getFile(client, payload.fileId, services.clusterId);
      if (!file || file.assetId !== payload.assetId)
        throw new TransferCatalogError(
          `Output file ${payload.fileId} of asset ${payload.assetId} is not in the catalog of cluster ` +
            `${services.clusterId}; the object ${result.key} was uploaded but is not recorded. ` +
            'Transcode the asset again to recreate its outputs.',
        );
      const recorded = await services.catalog.addObjectFile(client, {
        clusterId: services.clusterId,
        assetId: payload.assetId,
        formatKind: file.formatKind,
        objectStoreId: payload.destination.storageId,
        objectKey: payload.destination.key,
        size: result.size,
        checksums: { [result.checksum.algorithm]: result.checksum.value },
        status: 'stored',
      });
      if (recorded.file.id !== payload.fileId)
        services.logger.warn(
          { fileId: payload.fileId, recordedAs: recorded.file.id, key: payload.destination.key },
          "the output was recorded under another catalog file (its store or key differs from the job's)",
        );
      return services.catalog.markReadyIfComplete(client, services.clusterId, payload.assetId);
    });
    if (readiness.becameReady)
      services.logger.info({ assetId: payload.assetId }, 'asset ready: every planned output is stored');
    services.logger.info(
      { fileId: payload.fileId, key: result.key, outcome: result.outcome, partsSent: result.partsSent },
      'output uploaded to the proxy store',
    );
    return {
      fileId: payload.fileId,
      key: result.key,
      size: result.size,
      outcome: result.outcome,
      partsSent: result.partsSent,
      partsReused: result.partsReused,
      assetReady: readiness.asset.status === 'ready',
    };
  }
}
