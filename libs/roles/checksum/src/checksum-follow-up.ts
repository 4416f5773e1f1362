// What a checksum leads to (SPEC 2.5), inside the fenced transaction of a batch of checksum jobs:
// the digests merged into the catalog, then each media file's transcode jobs with its outputs
// planned in the catalog (the asset is ready only once all of them are stored), or, with nothing to
// transcode (not media, a duplicate whose content the cluster has), the asset ready at once.
// A constant number of statements per batch, whatever its size: the small-file pipeline
// (bench/pipeline) records thousands of files a second this way.
// A plain function of what it uses, so that it runs under jest without Nest.
import { type ChecksumBatchRepository, type RecordedChecksums, type SqlClient } from '@portico/catalog';
import { transcodeAssetJob, type JobInput } from '@portico/jobs-contracts';
import { type JobProducer } from '@portico/jobs-runtime';

import { KINDS_WITH_NOTHING_TO_MAKE, outputFormatsOf, transcodeProfilesFor } from './transcode-plan';

export interface ChecksumFollowUpServices {
  readonly clusterId: string;
  readonly checksums: ChecksumBatchRepository;
  readonly producer: Pick<JobProducer, 'sendBatch'>;
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
  readonly primary: JobInput<typeof transcodeAssetJob>['checksum'];
}

export interface ChecksumFollowUp {
  readonly duplicateOf: RecordedChecksums['duplicateOf'];
  /** Profiles whose transcode jobs were enqueued (none on a checksum mismatch). */
  readonly profiles: readonly string[];
}

export class ChecksumTargetMissingError extends Error {
  override readonly name = 'ChecksumTargetMissingError';
  /** The file's row is gone: no retry can record it. */
  readonly permanent = true;
}

/**
 * Records the checksums of `originals` and what follows them, on the client of the batch's fenced
 * transaction: everything commits together or not at all. The originals share their primary
 * algorithm, by which duplicates are linked (the handler fences each algorithm's files apart, so
 * that every transaction locks its rows in one order). Per file id, its follow-up, or the error
 * that file alone ends with (its row is gone).
 */
export async function recordChecksumBatch(
  client: SqlClient,
  services: ChecksumFollowUpServices,
  originals: readonly HashedOriginal[],
): Promise<Map<string, ChecksumFollowUp | ChecksumTargetMissingError>> {
  const { clusterId } = services;
  const results = new Map<string, ChecksumFollowUp | ChecksumTargetMissingError>();
  if (originals.length === 0) return results;
  const algorithm = originals[0]!.primary.algorithm;
  const other = originals.find((original) => original.primary.algorithm !== algorithm);
  if (other)
    throw new RangeError(
      `one checksum batch links duplicates by one algorithm: ${algorithm} and ${other.primary.algorithm} ` +
        `(file ${other.fileId}) were given together`,
    );
  const recorded = await services.checksums.recordChecksumsMany(client, {
    clusterId,
    linkDuplicatesBy: algorithm,
    items: originals.map((original) => ({ fileId: original.fileId, checksums: original.checksums })),
    // Not media: ready in the same write that makes them checksummed.
    readyKinds: KINDS_WITH_NOTHING_TO_MAKE,
  });

  const outputs: Array<{ assetId: string; kinds: ReturnType<typeof outputFormatsOf> }> = [];
  const readyChecks: string[] = [];
  const transcodes: Array<JobInput<typeof transcodeAssetJob>> = [];
  for (const original of originals) {
    const outcome = recorded.get(original.fileId);
    if (!outcome) {
      results.set(
        original.fileId,
        new ChecksumTargetMissingError(
          `file ${original.fileId} (${original.path}) is no longer in the catalog of cluster ${clusterId}; ` +
            'its checksum cannot be recorded',
        ),
      );
      continue;
    }
    if (outcome.mismatches.length > 0) {
      results.set(original.fileId, { duplicateOf: outcome.duplicateOf, profiles: [] });
      continue;
    }
    const planned = transcodeProfilesFor({
      kind: outcome.asset.kind,
      size: original.size,
      duplicate: outcome.duplicateOf !== null,
    });
    if (planned.length > 0) outputs.push({ assetId: original.assetId, kinds: outputFormatsOf(planned) });
    else if (outcome.asset.status !== 'ready') readyChecks.push(original.assetId);
    for (const profile of planned)
      transcodes.push({
        assetId: original.assetId,
        fileId: original.fileId,
        sourcePath: original.path,
        checksum: original.primary,
        profile,
      });
    results.set(original.fileId, { duplicateOf: outcome.duplicateOf, profiles: planned });
  }
  if (outputs.length > 0) await services.checksums.expectOutputsMany(client, clusterId, outputs);
  if (readyChecks.length > 0)
    await services.checksums.markReadyIfCompleteMany(client, clusterId, [...new Set(readyChecks)]);
  if (transcodes.length > 0)
    await services.producer.sendBatch(transcodeAssetJob, clusterId, transcodes, { db: client });
  return results;
}
