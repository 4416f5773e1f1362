// One batch of checksum jobs, start to end (the CHECKSUM handler's body, without Nest so that it
// runs under jest). A job carries one large file or up to 100 small ones (checksumJobsFor); a batch
// holds as many jobs as its byte budget allows. Every file is read once, computing every requested
// digest: small files on the hasher's thread (FileHasher.hashMany: their cost is system calls, not
// bandwidth, and the event loop pays one message per job), a large one alone with its progress.
// The digests of the whole batch are recorded, and what follows them enqueued, in one transaction
// fenced by every job's lease.
//
// A file that fails is handled per file: alone in its job, the job fails with the reason (and
// retries, then the dead letter); in a job of several, the others are recorded and that file is
// handed on as a job of its own, started after the first retry delay, in the same transaction.
import { type ChecksumBatchRepository } from '@portico/catalog';
import {
  CHECKSUM_SMALL_FILE_BYTES,
  checksumFileJob,
  type ChecksumTarget,
  type JobPayload,
  transcodeAssetJob,
} from '@portico/jobs-contracts';
import {
  type BatchJobContext,
  type BatchJobResult,
  type JobBatchContext,
  type JobProducer,
  LostLeaseError,
} from '@portico/jobs-runtime';
import { FileAccessError, type FileHasher, type FileHashResult, type StoragePaths } from '@portico/storage';

import {
  type ChecksumFollowUp,
  ChecksumTargetMissingError,
  type HashedOriginal,
  recordChecksumBatch,
} from './checksum-follow-up';
import { heartbeatProgress } from './progress-heartbeat';

type ChecksumPayload = JobPayload<typeof checksumFileJob>;
type ChecksumJob = BatchJobContext<ChecksumPayload>;

export interface ChecksumRunServices {
  readonly clusterId: string;
  readonly hasher: FileHasher;
  readonly paths: StoragePaths;
  readonly checksums: ChecksumBatchRepository;
  readonly producer: Pick<JobProducer, 'sendBatch' | 'wake'>;
  /** The storage health check passes: a file missing then is gone (the scan records its removal). */
  readonly storageHealthy: () => boolean;
  readonly log: { info(fields: object, message: string): void };
}

/** What became of one file of a job (the job's output lists them in the job's order). */
export interface ChecksumFileOutput {
  readonly fileId: string;
  readonly checksums?: Record<string, string>;
  /** The file is no longer the version the job names (the scan ingests the new one). */
  readonly stale?: true;
  /** The file no longer exists on a storage that is up (a missing file on a down NAS is retried). */
  readonly gone?: true;
  readonly duplicateOf?: string;
  /** Its catalog row is gone: nothing to record. */
  readonly missing?: true;
  /** It failed here and was handed on as a job of its own, with this reason. */
  readonly handedOn?: string;
}

export interface ChecksumOutput {
  readonly files: readonly ChecksumFileOutput[];
  /** Transcode jobs enqueued for the files of this job. */
  readonly transcodes: number;
}

type FileOutcome =
  | { readonly kind: 'hashed'; readonly original: HashedOriginal }
  | { readonly kind: 'settled'; readonly output: ChecksumFileOutput }
  /** `jobWide`: the job as a whole failed (aborted, the hasher's thread died), not this file. */
  | { readonly kind: 'failed'; readonly error: unknown; readonly jobWide?: true };

interface JobWork {
  readonly job: ChecksumJob;
  readonly outcomes: FileOutcome[];
}

/** Runs one batch of checksum jobs; a result per job id. */
export async function runChecksumBatch(
  services: ChecksumRunServices,
  batch: JobBatchContext<ChecksumPayload>,
): Promise<Map<string, BatchJobResult>> {
  const results = new Map<string, BatchJobResult>();
  const works = await hashBatch(services, batch.jobs);
  const recordable: JobWork[] = [];
  for (const work of works) {
    const failed = work.outcomes.find((outcome) => outcome.kind === 'failed');
    // A job whose lease is gone, a job that failed as a whole, or a file alone in its job that
    // failed: the job fails with the reason.
    if (work.job.signal.aborted) results.set(work.job.jobId, { error: work.job.signal.reason as unknown });
    else if (failed && (failed.jobWide || work.outcomes.length === 1))
      results.set(work.job.jobId, { error: failed.error });
    else recordable.push(work);
  }
  let transcodes = 0;
  // One fenced transaction per primary algorithm (in practice one: the setting rarely changes
  // under a running ingest), so that each locks its rows in one order.
  for (const group of groupBy(recordable, (work) => work.job.payload.algorithms[0]!)) {
    try {
      const { held, recorded } = await batch.withAttemptsFence(
        group.map((work) => work.job),
        async (client, heldJobs) => {
          const held = new Set(heldJobs.map((job) => job.jobId));
          const kept = group.filter((work) => held.has(work.job.jobId));
          const originals = kept.flatMap((work) =>
            work.outcomes.flatMap((outcome) => (outcome.kind === 'hashed' ? [outcome.original] : [])),
          );
          const recorded = await recordChecksumBatch(
            client,
            { clusterId: services.clusterId, checksums: services.checksums, producer: services.producer },
            originals,
          );
          const handOn = kept.flatMap((work) => handedOnJobs(work));
          if (handOn.length > 0)
            await services.producer.sendBatch(checksumFileJob, services.clusterId, handOn, {
              db: client,
              startAfterSeconds: checksumFileJob.retry.delaySeconds,
            });
          return { held, recorded };
        },
      );
      for (const work of group) {
        const result = held.has(work.job.jobId)
          ? jobResult(work, recorded)
          : {
              error: new LostLeaseError(
                work.job.attemptId,
                work.job.queue,
                work.job.jobId,
                'expired',
                'the lease was gone when the batch recorded its checksums',
              ),
            };
        if ('output' in result) transcodes += (result.output as ChecksumOutput).transcodes;
        results.set(work.job.jobId, result);
      }
    } catch (error) {
      // Nothing of this group was recorded: each of its jobs fails with the reason (and retries).
      for (const work of group) results.set(work.job.jobId, { error });
    }
  }
  if (transcodes > 0) services.producer.wake(transcodeAssetJob, services.clusterId);
  for (const work of recordable) {
    const handedOn = work.outcomes.filter((outcome) => outcome.kind === 'failed').length;
    if (handedOn > 0 && 'output' in (results.get(work.job.jobId) ?? {}))
      services.log.info(
        { jobId: work.job.jobId, files: work.outcomes.length, handedOn },
        'files of a checksum job failed; each was handed on as a job of its own',
      );
  }
  return results;
}

/**
 * Reads every file of the batch: its outcomes, per job in the job's file order. The jobs of small
 * files go to the hasher's thread, a job's files in one call; a large file is read on its own,
 * one after another, while the thread works on the small ones.
 */
async function hashBatch(services: ChecksumRunServices, jobs: readonly ChecksumJob[]): Promise<JobWork[]> {
  // One resolution of the storage root for the batch; a path it refuses fails that file alone.
  const absolutes = await services.paths.resolveAll(
    jobs.flatMap((job) => job.payload.files.map((f) => f.path)),
  );
  let next = 0;
  const works = jobs.map((job) => ({
    job,
    absolutes: job.payload.files.map(() => absolutes[next++]!),
    outcomes: [] as FileOutcome[],
  }));
  const small = works.filter(({ job }) =>
    job.payload.files.every((file) => file.size <= CHECKSUM_SMALL_FILE_BYTES),
  );
  const large = works.filter((work) => !small.includes(work));
  await Promise.all([
    Promise.all(small.map((work) => hashSmallFiles(services, work))),
    (async () => {
      for (const work of large) {
        for (const [i, file] of work.job.payload.files.entries())
          work.outcomes.push(await hashLargeFile(services, work.job, file, work.absolutes[i]!));
      }
    })(),
  ]);
  return works;
}

/** The files of one job of small files, in one call to the hasher's thread. */
async function hashSmallFiles(
  services: ChecksumRunServices,
  work: { job: ChecksumJob; absolutes: Array<string | Error>; outcomes: FileOutcome[] },
): Promise<void> {
  const { job } = work;
  const paths = work.absolutes.filter((absolute): absolute is string => typeof absolute === 'string');
  let hashed: Array<FileHashResult | Error>;
  try {
    hashed =
      paths.length === 0
        ? []
        : await services.hasher.hashMany(paths, { algorithms: job.payload.algorithms, signal: job.signal });
  } catch (error) {
    // The call as a whole failed (aborted, the thread died): the job fails with it and retries.
    work.outcomes.push(...job.payload.files.map(() => ({ kind: 'failed', error, jobWide: true }) as const));
    return;
  }
  let taken = 0;
  for (const [i, file] of job.payload.files.entries()) {
    const absolute = work.absolutes[i]!;
    const result = absolute instanceof Error ? absolute : hashed[taken++]!;
    work.outcomes.push(
      result instanceof Error
        ? missingOrFailed(services, file, result)
        : hashedOutcome(services, file, result),
    );
  }
}

/** A large file, alone in its job: read with progress, which renews the job's lease. */
async function hashLargeFile(
  services: ChecksumRunServices,
  job: ChecksumJob,
  file: ChecksumTarget,
  absolute: string | Error,
): Promise<FileOutcome> {
  if (job.signal.aborted) return { kind: 'failed', error: job.signal.reason as unknown, jobWide: true };
  if (absolute instanceof Error) return { kind: 'failed', error: absolute };
  try {
    const result = await services.hasher.hash(absolute, {
      algorithms: job.payload.algorithms,
      signal: job.signal,
      onProgress: (progress) => {
        const reported = heartbeatProgress(progress);
        if (reported) void job.heartbeat(reported).catch(() => undefined);
      },
    });
    return hashedOutcome(services, file, result);
  } catch (error) {
    return missingOrFailed(services, file, error);
  }
}

/** A file that could not be read: gone when it is missing from a healthy storage, else failed. */
function missingOrFailed(services: ChecksumRunServices, file: ChecksumTarget, error: unknown): FileOutcome {
  if (error instanceof FileAccessError && error.reason === 'missing' && services.storageHealthy()) {
    services.log.info(
      { path: file.path, fileId: file.fileId },
      'file is gone from a healthy storage; the scan records its removal',
    );
    return { kind: 'settled', output: { fileId: file.fileId, gone: true } };
  }
  return { kind: 'failed', error };
}

/** What a file read in full leads to: its digests to record, or nothing when it changed since. */
function hashedOutcome(
  services: ChecksumRunServices,
  file: ChecksumTarget,
  result: FileHashResult,
): FileOutcome {
  const checksums = Object.fromEntries(result.checksums.map((c) => [c.algorithm, c.value]));
  if (result.size !== file.size || result.mtimeMs !== file.mtimeMs) {
    services.log.info(
      {
        path: file.path,
        fileId: file.fileId,
        expected: { size: file.size, mtimeMs: file.mtimeMs },
        found: { size: result.size, mtimeMs: result.mtimeMs },
      },
      'file changed since it was catalogued; its new version is ingested by the next scan',
    );
    return { kind: 'settled', output: { fileId: file.fileId, checksums, stale: true } };
  }
  return {
    kind: 'hashed',
    original: {
      fileId: file.fileId,
      assetId: file.assetId,
      path: file.path,
      size: result.size,
      checksums,
      primary: result.checksums[0]!,
    },
  };
}

/** The jobs of one file each that `work` hands on: its files that failed. */
function handedOnJobs(work: JobWork): ChecksumPayload[] {
  return work.job.payload.files.flatMap((file, i) =>
    work.outcomes[i]!.kind === 'failed' ? [{ files: [file], algorithms: work.job.payload.algorithms }] : [],
  );
}

/** The result of a job whose lease held through the recording. */
function jobResult(
  work: JobWork,
  recorded: ReadonlyMap<string, ChecksumFollowUp | ChecksumTargetMissingError>,
): BatchJobResult {
  const files: ChecksumFileOutput[] = [];
  let transcodes = 0;
  for (const [i, outcome] of work.outcomes.entries()) {
    const file = work.job.payload.files[i]!;
    if (outcome.kind === 'settled') files.push(outcome.output);
    else if (outcome.kind === 'failed')
      files.push({ fileId: file.fileId, handedOn: reasonOf(outcome.error) });
    else {
      const followUp = recorded.get(file.fileId)!;
      if (followUp instanceof ChecksumTargetMissingError) {
        // Alone in its job, the job fails (permanently): nothing can ever be recorded for it.
        if (work.outcomes.length === 1) return { error: followUp };
        files.push({ fileId: file.fileId, missing: true });
        continue;
      }
      transcodes += followUp.profiles.length;
      files.push({
        fileId: file.fileId,
        checksums: outcome.original.checksums,
        ...(followUp.duplicateOf ? { duplicateOf: followUp.duplicateOf.fileId } : {}),
      });
    }
  }
  const output: ChecksumOutput = { files, transcodes };
  return { output };
}

function reasonOf(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
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
