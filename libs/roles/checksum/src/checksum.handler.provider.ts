// The CHECKSUM role's handler: a worker (one slot of `checksum_max_workers`) takes a batch of
// checksum jobs — many small files, or one large file: the batch is bounded by bytes to read — and
// runs it with runChecksumBatch (checksum-run.ts, where the whole story is told).
import { Inject, Injectable } from '@nestjs/common';
import { ChecksumBatchRepository } from '@portico/catalog';
import { checksumFileJob, type JobPayload } from '@portico/jobs-contracts';
import { type BatchJobResult, type JobBatchContext, OnJobBatch } from '@portico/jobs-runtime';
import { LOGGER, NODE_RUNTIME, type Logger, type NodeRuntime } from '@portico/platform';
import { FileHasher, StoragePaths } from '@portico/storage';

import { CHECKSUM_BATCH } from './checksum-batch';
import { type ChecksumRunServices, runChecksumBatch } from './checksum-run';

@Injectable()
export class ChecksumHandler {
  private readonly services: ChecksumRunServices;

  constructor(
    @Inject(NODE_RUNTIME) runtime: NodeRuntime,
    @Inject(LOGGER) logger: Logger,
    hasher: FileHasher,
    paths: StoragePaths,
  ) {
    this.services = {
      clusterId: runtime.identity.clusterId,
      hasher,
      paths,
      checksums: new ChecksumBatchRepository(),
      producer: runtime.jobs.producer,
      storageHealthy: () => runtime.health.isHealthy('storage'),
      log: { info: (fields, message) => logger.info(fields, message) },
    };
  }

  @OnJobBatch(checksumFileJob, CHECKSUM_BATCH)
  checksumFiles(
    batch: JobBatchContext<JobPayload<typeof checksumFileJob>>,
  ): Promise<Map<string, BatchJobResult>> {
    return runChecksumBatch(this.services, batch);
  }
}
