// How checksum jobs are batched (see BatchSizing in the jobs runtime). A job weighs the bytes its
// files hold plus what opening, checking and recording a file costs, expressed in bytes: about
// 0.3 ms of a worker's time, ~256 KiB at md5's speed, per file. A batch holds at most 64 MiB of that
// (a fraction of a second on local disks): two jobs of 100 small files, or up to 100 jobs of one
// file each, while a worker never sits on large files that another node could be hashing.
import { type checksumFileJob } from '@portico/jobs-contracts';
import { type BatchMarkOptions } from '@portico/jobs-runtime';

const KiB = 1024;
const MiB = 1024 * KiB;

export const PER_FILE_WEIGHT = 256 * KiB;

export const CHECKSUM_BATCH: BatchMarkOptions<typeof checksumFileJob> = {
  maxJobs: 100,
  budget: 64 * MiB,
  weigh: (payload) => payload.files.reduce((sum, file) => sum + file.size + PER_FILE_WEIGHT, 0),
};
