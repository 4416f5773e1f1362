// The product's job types. Each is declared here once; producers, consumers, the reaper and the
// operator tools all read these definitions.
import { z } from 'zod';

import { defineJob, type JobDefinition } from './define-job';
import { checksum, CHECKSUM_ALGORITHMS, objectLocation, profileName, storagePath } from './schemas';

// Ingest is not a job: the leader registers what its scan found (catalog asset + file, then the
// checksum job) inside the scan's own fenced transaction, in batches — exactly once per content
// version by construction, and without a queue round trip per file.

/** One file a checksum job reads: the content version the catalog registered. */
export const checksumTarget = z.object({
  fileId: z.uuid(),
  assetId: z.uuid(),
  path: storagePath,
  size: z.number().int().nonnegative(),
  mtimeMs: z.number().int().nonnegative(),
});

/** The most files one checksum job carries (see checksum-jobs.ts for how files are grouped). */
export const CHECKSUM_JOB_MAX_FILES = 100;

const checksumFiles = z.object({
  files: z.array(checksumTarget).min(1).max(CHECKSUM_JOB_MAX_FILES),
  algorithms: z.array(z.enum(CHECKSUM_ALGORITHMS)).min(1),
});

/** The payload of a job queued by an earlier version: one file, its fields at the top level. */
const checksumOneFileLegacy = checksumTarget
  .extend({ algorithms: z.array(z.enum(CHECKSUM_ALGORITHMS)).min(1) })
  .transform(({ algorithms, ...file }) => ({ files: [file], algorithms }));

const versionKey = (file: z.output<typeof checksumTarget>): string =>
  `${file.fileId}:${file.size}:${file.mtimeMs}`;

/**
 * Checksums one large file, or up to 100 small ones that one scan batch ingested together (the
 * small-file pipeline pays the queue once per job, not per file). A file that fails in a job of
 * several is handed on as a job of its own, so retries and the dead letter stay per file.
 */
export const checksumFileJob = defineJob({
  name: 'checksum.file',
  role: 'CHECKSUM',
  payload: z.union([checksumFiles, checksumOneFileLegacy]),
  retry: { limit: 5, delaySeconds: 10, backoff: true, maxDelaySeconds: 900 },
  expireSeconds: 4 * 60 * 60,
  deadLetter: true,
  // The content versions it reads: a file version is in one job at a time (an ingest registers it
  // once, and a job hands a file on only as it gives it up), so its first file names the job.
  singletonKey: ({ files }) =>
    files.length === 1 ? versionKey(files[0]!) : `${versionKey(files[0]!)}+${files.length - 1}`,
});

export const transcodeAssetJob = defineJob({
  name: 'transcode.asset',
  role: 'TRANSCODE',
  payload: z.object({
    assetId: z.uuid(),
    fileId: z.uuid(),
    sourcePath: storagePath,
    checksum,
    profile: profileName,
  }),
  retry: { limit: 3, delaySeconds: 30, backoff: true, maxDelaySeconds: 1800 },
  expireSeconds: 12 * 60 * 60,
  deadLetter: true,
  // Identical content with the same profile is transcoded once per cluster.
  singletonKey: (payload) => `${payload.checksum.algorithm}:${payload.checksum.value}:${payload.profile}`,
});

/** Transfers share one policy: many patient retries (S3 endpoints go away), a long backstop. */
const TRANSFER_POLICY = {
  retry: { limit: 8, delaySeconds: 15, backoff: true, maxDelaySeconds: 3600 },
  expireSeconds: 12 * 60 * 60,
} as const;

/** One transfer per request and file. */
const byRequestAndFile = (payload: { requestId: string; fileId: string }): string =>
  `${payload.requestId}:${payload.fileId}`;

export const transferUploadJob = defineJob({
  name: 'transfer.upload',
  role: 'TRANSFER',
  payload: z.object({
    assetId: z.uuid(),
    fileId: z.uuid(),
    sourcePath: storagePath,
    checksum,
    destination: objectLocation,
  }),
  ...TRANSFER_POLICY,
  deadLetter: true,
  singletonKey: (payload) =>
    `${payload.destination.storageId}:${payload.destination.key}:${payload.checksum.value}`,
});

export const transferArchiveJob = defineJob({
  name: 'transfer.archive',
  role: 'TRANSFER',
  payload: z.object({
    requestId: z.uuid(),
    assetId: z.uuid(),
    fileId: z.uuid(),
    sourcePath: storagePath,
    checksum,
    destination: objectLocation,
  }),
  ...TRANSFER_POLICY,
  deadLetter: true,
  singletonKey: byRequestAndFile,
});

export const transferRestoreJob = defineJob({
  name: 'transfer.restore',
  role: 'TRANSFER',
  payload: z.object({
    requestId: z.uuid(),
    assetId: z.uuid(),
    fileId: z.uuid(),
    source: objectLocation,
    targetPath: storagePath,
    checksum,
  }),
  ...TRANSFER_POLICY,
  deadLetter: true,
  singletonKey: byRequestAndFile,
});

export const transferExportJob = defineJob({
  name: 'transfer.export',
  role: 'TRANSFER',
  payload: z.object({
    requestId: z.uuid(),
    assetId: z.uuid(),
    fileId: z.uuid(),
    sourcePath: storagePath,
    profile: profileName.optional(),
    destination: objectLocation,
  }),
  ...TRANSFER_POLICY,
  deadLetter: true,
  singletonKey: (payload) => `${payload.requestId}:${payload.fileId}:${payload.profile ?? 'original'}`,
});

export const JOB_CATALOGUE = [
  checksumFileJob,
  transcodeAssetJob,
  transferUploadJob,
  transferArchiveJob,
  transferRestoreJob,
  transferExportJob,
] as const satisfies readonly JobDefinition[];

export type CataloguedJob = (typeof JOB_CATALOGUE)[number];
export type CataloguedJobName = CataloguedJob['name'];

export function findJob(name: string): CataloguedJob | undefined {
  return JOB_CATALOGUE.find((def) => def.name === name);
}
