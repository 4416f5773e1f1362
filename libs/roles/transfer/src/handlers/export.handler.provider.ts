// transfer.export: a delivery to an export store — the original from the storage, or (with a
// profile) that profile's stored output copied from the proxy store. Both go through the object
// store's verified upload path; then, fenced by this attempt, the event settles.
import { type JobPayload, transferExportJob } from '@portico/jobs-contracts';
import { type JobContext, OnJob } from '@portico/jobs-runtime';
import { exportFile, exportObject, type UploadResult } from '@portico/object-store';

import { runEventJob } from '../support/event-job';
import { heartbeatProgress } from '../support/transfer-progress';
import { TransferCatalogError } from '../support/transfer-errors';
import { type TransferServices } from '../support/transfer-services';
import { catalogChecksum, formatOfProfile, storedOutput } from './export-source';

export interface ExportOutput {
  readonly key: string;
  readonly size: number;
  /** 'original', or the profile whose output was exported. */
  readonly source: string;
  readonly outcome: 'uploaded' | 'already-present';
}

type ExportJob = JobContext<JobPayload<typeof transferExportJob>>;

export class ExportHandler {
  constructor(private readonly services: TransferServices) {}

  @OnJob(transferExportJob)
  export(ctx: ExportJob): Promise<ExportOutput> {
    return runEventJob(this.services, ctx, transferExportJob, () => this.run(ctx));
  }

  private async run(ctx: ExportJob): Promise<ExportOutput> {
    const { payload } = ctx;
    const { services } = this;
    const to = await services.stores.store(payload.destination.storageId, ['export']);
    const onProgress = heartbeatProgress((p) => ctx.heartbeat(p), 'export', services.progressIntervalMs);
    const release = await services.uploadSlots.acquire(ctx.signal);
    let result: UploadResult;
    try {
      result = payload.profile
        ? await this.exportOutput(ctx, payload.profile, to, onProgress)
        : await this.exportOriginal(ctx, to, onProgress);
    } finally {
      release();
    }
    await ctx.withAttemptFence((client) => services.events.settleJob(client, payload.requestId, ctx.jobId));
    services.logger.info(
      { requestId: payload.requestId, key: result.key, source: payload.profile ?? 'original' },
      'exported',
    );
    return {
      key: result.key,
      size: result.size,
      source: payload.profile ?? 'original',
      outcome: result.outcome,
    };
  }

  private async exportOriginal(
    ctx: ExportJob,
    to: Parameters<typeof exportFile>[0],
    onProgress: ReturnType<typeof heartbeatProgress>,
  ): Promise<UploadResult> {
    const { payload } = ctx;
    const { services } = this;
    const sourcePath = await services.paths.resolve(payload.sourcePath);
    const file = await ctx.withAttemptFence((client) =>
      services.catalog.getFile(client, payload.fileId, services.clusterId),
    );
    const checksum = catalogChecksum(file);
    return exportFile(to, {
      sourcePath,
      key: payload.destination.key,
      ...(checksum ? { checksum } : {}),
      onProgress,
      signal: ctx.signal,
    });
  }

  private async exportOutput(
    ctx: ExportJob,
    profile: string,
    to: Parameters<typeof exportFile>[0],
    onProgress: ReturnType<typeof heartbeatProgress>,
  ): Promise<UploadResult> {
    const { payload } = ctx;
    const { services } = this;
    const kind = formatOfProfile(profile);
    const detail = await ctx.withAttemptFence((client) =>
      services.catalog.getAsset(client, payload.assetId, services.clusterId),
    );
    const output = kind && detail ? storedOutput(detail, kind) : undefined;
    if (!output?.objectStoreId || !output.objectKey)
      throw new TransferCatalogError(
        `Asset ${payload.assetId} has no stored "${profile}" output to export; transcode it with that ` +
          'profile first, then request the export again.',
      );
    const from = await services.stores.store(output.objectStoreId, ['proxy']);
    const checksum = catalogChecksum(output);
    const scratch = await services.files.scratchDir('export');
    try {
      return await exportObject(from, to, {
        sourceKey: output.objectKey,
        key: payload.destination.key,
        scratchDir: scratch.path,
        ...(checksum ? { checksum } : {}),
        onProgress,
        signal: ctx.signal,
      });
    } finally {
      await scratch.remove();
    }
  }
}
