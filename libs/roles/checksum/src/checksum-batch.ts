// How checksum jobs are batched (see BatchSizing in the jobs runtime). A job weighs the bytes its
// files hold plus what opening, checking and recording a file costs, expressed in bytes: about
// 0.1 ms of a worker's time, ~64 KiB at md5's speed. Reading a small file on the hasher's thread
// costs ~30 µs of CPU (bench/checksum: 10,000 files of 4 KiB, 298 ms), recording it its share of
// the batch's statements. A batch holds at most 64 MiB of that (a fraction of a second on local
// disks): up to nine jobs of 100 small files, or up to 100 jobs of one file each, while a worker
// never sits on large files that another node could be hashing. bench/pipeline: weighing a file
// 256 KiB (its cost before the thread) kept batches to two jobs of small files, and the checksums
// trailed the ingest by 0.5-0.8 s instead of 0.1-0.45 s.
import { type checksumFileJob } from '@portico/jobs-contracts';
import { type BatchMarkOptions } from '@portico/jobs-runtime';

const KiB = 1024;
const MiB = 1024 * KiB;

export const PER_FILE_WEIGHT = 64 * KiB;

export const CHECKSUM_BATCH: BatchMarkOptions<typeof checksumFileJob> = {
  maxJobs: 100,
  budget: 64 * MiB,
  weigh: (payload) => payload.files.reduce((sum, file) => sum + file.size + PER_FILE_WEIGHT, 0),
};
