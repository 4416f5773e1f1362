// How the files of one ingest become checksum jobs. The queue costs the same per job whatever it
// carries (an insert, a fetch, a completion, a lease), so files that are quick to read travel
// together: up to 100 small files, or 16 MiB of them, per job. A large file goes alone, so that
// the nodes of a cluster share large files one by one.
import { type z } from 'zod';

import { CHECKSUM_JOB_MAX_FILES, type checksumFileJob, type checksumTarget } from './catalogue';
import { type JobPayload } from './define-job';

const MiB = 1024 * 1024;

/** Files at most this big travel with others. */
export const CHECKSUM_SMALL_FILE_BYTES = MiB;
/** The most bytes of small files one job reads. */
export const CHECKSUM_JOB_MAX_BYTES = 16 * MiB;

export type ChecksumTarget = z.output<typeof checksumTarget>;
export type ChecksumAlgorithmList = JobPayload<typeof checksumFileJob>['algorithms'];

/**
 * The checksum jobs of `files`, in their order: each large file alone, the small ones packed in
 * order into jobs of at most 100 files and 16 MiB.
 */
export function checksumJobsFor(
  files: readonly ChecksumTarget[],
  algorithms: ChecksumAlgorithmList,
): Array<JobPayload<typeof checksumFileJob>> {
  const jobs: Array<JobPayload<typeof checksumFileJob>> = [];
  let group: ChecksumTarget[] = [];
  let groupBytes = 0;
  const flush = (): void => {
    if (group.length > 0) jobs.push({ files: group, algorithms: [...algorithms] });
    group = [];
    groupBytes = 0;
  };
  for (const file of files) {
    if (file.size > CHECKSUM_SMALL_FILE_BYTES) {
      jobs.push({ files: [file], algorithms: [...algorithms] });
      continue;
    }
    if (group.length === CHECKSUM_JOB_MAX_FILES || groupBytes + file.size > CHECKSUM_JOB_MAX_BYTES) flush();
    group.push(file);
    groupBytes += file.size;
  }
  flush();
  return jobs;
}
