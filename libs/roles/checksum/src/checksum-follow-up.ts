// What a checksum leads to (SPEC 2.5), inside the checksum job's fenced transaction: the digests
// merged into the catalog, then a media file's transcode jobs with its outputs planned in the
// catalog (the asset is ready only once all of them are stored), or, with nothing to transcode
// (not media, a duplicate whose content the cluster has), the asset ready at once.
// A plain function of what it uses, so that it runs under jest without Nest.
import { type CatalogRepository, type ChecksumOutcome, type SqlClient } from '@portico/catalog';
import { transcodeAssetJob, type JobPayload } from '@portico/jobs-contracts';
import { type JobProducer } from '@portico/jobs-runtime';

import { outputFormatsOf, transcodeProfilesFor } from './transcode-plan';

export interface ChecksumFollowUpServices {
  readonly clusterId: string;
  readonly catalog: CatalogRepository;
  readonly producer: Pick<JobProducer, 'send'>;
}

export interface HashedOriginal {
  readonly fileId: string;
  readonly assetId: string;
  /** Storage-relative. */
  readonly path: string;
  readonly size: number;
  /** algorithm → hex digest, every configured algorithm. */
  readonly checksums: Record<string, string>;
  /** The first configured algorithm's digest: duplicates are found by it, transcodes keyed by it. */
  readonly primary: JobPayload<typeof transcodeAssetJob>['checksum'];
}

export interface ChecksumFollowUp {
  readonly duplicateOf: ChecksumOutcome['duplicateOf'];
  /** Profiles whose transcode jobs were enqueued (none on a checksum mismatch). */
  readonly profiles: readonly string[];
}

/** Run on the client of the job attempt's fenced transaction: everything commits together or not at all. */
export async function recordChecksum(
  client: SqlClient,
  services: ChecksumFollowUpServices,
  original: HashedOriginal,
): Promise<ChecksumFollowUp> {
  const { catalog, clusterId } = services;
  const outcome = await catalog.recordChecksums(client, {
    clusterId,
    fileId: original.fileId,
    checksums: original.checksums,
    linkDuplicatesBy: original.primary.algorithm,
  });
  if (outcome.mismatches.length > 0) return { duplicateOf: outcome.duplicateOf, profiles: [] };
  const asset = await catalog.lockAsset(client, clusterId, original.assetId);
  const planned = transcodeProfilesFor({
    kind: asset.kind,
    size: original.size,
    duplicate: outcome.duplicateOf !== null,
  });
  if (planned.length > 0)
    await catalog.expectOutputs(client, clusterId, original.assetId, outputFormatsOf(planned));
  else await catalog.markReadyIfComplete(client, clusterId, original.assetId);
  for (const profile of planned) {
    await services.producer.send(
      transcodeAssetJob,
      clusterId,
      {
        assetId: original.assetId,
        fileId: original.fileId,
        sourcePath: original.path,
        checksum: original.primary,
        profile,
      },
      { db: client },
    );
  }
  return { duplicateOf: outcome.duplicateOf, profiles: planned };
}
