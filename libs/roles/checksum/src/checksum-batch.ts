// How checksum jobs are batched (see BatchSizing in the jobs runtime). A job weighs the bytes it
// reads plus what opening, checking and recording one file costs, expressed in bytes: about
// 0.3 ms of a worker's time, ~256 KiB at md5's speed. A batch holds at most 64 MiB of that (a
// fraction of a second on local disks): thousands of small files a second go through in batches
// of 100, while a worker never sits on large files that another node could be hashing.
import { type checksumFileJob, type JobPayload } from '@portico/jobs-contracts';
import { type BatchMarkOptions } from '@portico/jobs-runtime';

const KiB = 1024;
const MiB = 1024 * KiB;

export const PER_FILE_WEIGHT = 256 * KiB;

export const CHECKSUM_BATCH: BatchMarkOptions<typeof checksumFileJob> = {
  maxJobs: 100,
  budget: 64 * MiB,
  weigh: (payload) => payload.size + PER_FILE_WEIGHT,
};

/**
 * Files at most this big are small: reading one costs an open, a few stats and a read, each a
 * round trip to the thread pool (or the NAS), so a worker overlaps several of them.
 */
export const SMALL_FILE_BYTES = 1024 * KiB;
/** Reads a worker keeps in flight over small files; a batch with a larger file reads one at a time. */
export const SMALL_FILE_READS = 8;

export function readsInFlight(jobs: ReadonlyArray<{ payload: JobPayload<typeof checksumFileJob> }>): number {
  return jobs.every((job) => job.payload.size <= SMALL_FILE_BYTES) ? SMALL_FILE_READS : 1;
}

/** Runs `work` on every item, at most `limit` at once, in order of start. */
export async function forEachWithin<T>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, lane));
}
