// transfer.archive: the original goes to the cluster's archive store, verified end to end; then,
// fenced by this attempt, the catalog gains the archived copy (a file of the ORIGINAL format in
// the archive store, key relative to the store's prefix as restores use it) and the event settles.
import { type JobPayload, transferArchiveJob } from '@portico/jobs-contracts';
import { type JobContext, OnJob } from '@portico/jobs-runtime';

import { runEventJob } from '../support/event-job';
import { heartbeatProgress } from '../support/transfer-progress';
import { type TransferServices } from '../support/transfer-services';

export interface ArchiveOutput {
  readonly archivedFileId: string;
  readonly key: string;
  readonly size: number;
  readonly outcome: 'uploaded' | 'already-present';
  readonly partsSent: number;
  readonly partsReused: number;
}

export class ArchiveHandler {
  constructor(private readonly services: TransferServices) {}

  @OnJob(transferArchiveJob)
  archive(ctx: JobContext<JobPayload<typeof transferArchiveJob>>): Promise<ArchiveOutput> {
    return runEventJob(this.services, ctx, transferArchiveJob, () => this.run(ctx));
  }

  private async run(ctx: JobContext<JobPayload<typeof transferArchiveJob>>): Promise<ArchiveOutput> {
    const { payload } = ctx;
    const { services } = this;
    const sourcePath = await services.paths.resolve(payload.sourcePath);
    const store = await services.stores.store(payload.destination.storageId, ['archive']);
    const release = await services.uploadSlots.acquire(ctx.signal);
    const result = await store
      .upload({
        sourcePath,
        key: payload.destination.key,
        checksum: payload.checksum,
        onProgress: heartbeatProgress((p) => ctx.heartbeat(p), 'archive', services.progressIntervalMs),
        signal: ctx.signal,
      })
      .finally(release);
    const archived = await ctx.withAttemptFence(async (client) => {
      const recorded = await services.catalog.addObjectFile(client, {
        clusterId: services.clusterId,
        assetId: payload.assetId,
        formatKind: 'ORIGINAL',
        objectStoreId: payload.destination.storageId,
        objectKey: payload.destination.key,
        size: result.size,
        checksums: { [result.checksum.algorithm]: result.checksum.value },
        status: 'stored',
      });
      await services.events.settleJob(client, payload.requestId, ctx.jobId);
      return recorded.file;
    });
    services.logger.info(
      { requestId: payload.requestId, fileId: payload.fileId, key: result.key, outcome: result.outcome },
      'original archived',
    );
    return {
      archivedFileId: archived.id,
      key: result.key,
      size: result.size,
      outcome: result.outcome,
      partsSent: result.partsSent,
      partsReused: result.partsReused,
    };
  }
}
