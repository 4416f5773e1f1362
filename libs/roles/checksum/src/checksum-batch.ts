// How checksum jobs are batched (see BatchSizing in the jobs runtime). A job weighs the bytes its
// files hold plus what opening, checking and recording a file costs, expressed in bytes: about
// 0.3 ms of a worker's time, ~256 KiB at md5's speed, per file. A batch holds at most 64 MiB of that
// (a fraction of a second on local disks): two jobs of 100 small files, or up to 100 jobs of one
// file each, while a worker never sits on large files that another node could be hashing.
import { CHECKSUM_SMALL_FILE_BYTES, type checksumFileJob } from '@portico/jobs-contracts';
import { type BatchMarkOptions } from '@portico/jobs-runtime';

const KiB = 1024;
const MiB = 1024 * KiB;

export const PER_FILE_WEIGHT = 256 * KiB;

export const CHECKSUM_BATCH: BatchMarkOptions<typeof checksumFileJob> = {
  maxJobs: 100,
  budget: 64 * MiB,
  weigh: (payload) => payload.files.reduce((sum, file) => sum + file.size + PER_FILE_WEIGHT, 0),
};

/**
 * Reads a worker keeps in flight over small files (CHECKSUM_SMALL_FILE_BYTES at most: their cost
 * is round trips to the thread pool or the NAS, not bandwidth); a batch with a larger file reads
 * one at a time.
 */
export const SMALL_FILE_READS = 8;

export function readsInFlight(files: ReadonlyArray<{ readonly size: number }>): number {
  return files.every((file) => file.size <= CHECKSUM_SMALL_FILE_BYTES) ? SMALL_FILE_READS : 1;
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
