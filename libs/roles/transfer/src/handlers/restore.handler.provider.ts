// transfer.restore: an archived original comes back to the storage. The object store streams it
// into a temp file beside the target, verifies it against the catalogued checksum and only then
// gives it the target name; a different file already there is refused (permanent, untouched) and
// an identical one is a no-op. Then, fenced by this attempt, the catalog gains the file on the
// storage (under the asset it belongs to) and the event settles.
import { type JobPayload, transferRestoreJob } from '@portico/jobs-contracts';
import { type JobContext, OnJob } from '@portico/jobs-runtime';

import { runEventJob } from '../support/event-job';
import { heartbeatProgress } from '../support/transfer-progress';
import { TransferCatalogError } from '../support/transfer-errors';
import { type TransferServices } from '../support/transfer-services';

export interface RestoreOutput {
  readonly restoredFileId: string;
  readonly path: string;
  readonly size: number;
  readonly outcome: 'downloaded' | 'already-present';
}

export class RestoreHandler {
  constructor(private readonly services: TransferServices) {}

  @OnJob(transferRestoreJob)
  restore(ctx: JobContext<JobPayload<typeof transferRestoreJob>>): Promise<RestoreOutput> {
    return runEventJob(this.services, ctx, transferRestoreJob, () => this.run(ctx));
  }

  private async run(ctx: JobContext<JobPayload<typeof transferRestoreJob>>): Promise<RestoreOutput> {
    const { payload } = ctx;
    const { services } = this;
    const targetPath = await services.paths.resolve(payload.targetPath);
    const store = await services.stores.store(payload.source.storageId, ['archive']);
    // Restores are bounded by their own queue's slots (`file_download_parallel_downloads_num`).
    const result = await store.download({
      key: payload.source.key,
      targetPath,
      checksum: payload.checksum,
      onProgress: heartbeatProgress((p) => ctx.heartbeat(p), 'restore', services.progressIntervalMs),
      signal: ctx.signal,
    });
    // The target was resolved inside the root before the download; check again now that the file
    // exists (a link swapped in meanwhile would be refused here, before anything is recorded).
    await services.paths.resolve(payload.targetPath);
    const info = await services.files.stat(targetPath);
    const restored = await ctx.withAttemptFence(async (client) => {
      const detail = await services.catalog.getAsset(client, payload.assetId, services.clusterId);
      if (!detail)
        throw new TransferCatalogError(
          `Asset ${payload.assetId} is not in the catalog of cluster ${services.clusterId}; the file ` +
            `${payload.targetPath} was restored but is not recorded (the next scan ingests it).`,
        );
      const added = await services.catalog.addStorageFile(client, {
        clusterId: services.clusterId,
        assetId: payload.assetId,
        storageId: detail.asset.storageId,
        path: payload.targetPath,
        size: info.size,
        mtime: info.mtime,
        inode: info.inode,
        checksums: { [result.checksum.algorithm]: result.checksum.value },
      });
      await services.events.settleJob(client, payload.requestId, ctx.jobId);
      return added.file;
    });
    services.logger.info(
      { requestId: payload.requestId, path: payload.targetPath, outcome: result.outcome },
      'original restored to the storage',
    );
    return {
      restoredFileId: restored.id,
      path: payload.targetPath,
      size: result.size,
      outcome: result.outcome,
    };
  }
}
