import {
  CHECKSUM_BATCH,
  forEachWithin,
  PER_FILE_WEIGHT,
  readsInFlight,
  SMALL_FILE_READS,
} from './checksum-batch';

const file = (size: number) => ({
  fileId: '00000000-0000-4000-8000-000000000000',
  assetId: '00000000-0000-4000-8000-000000000001',
  path: 'a.bin',
  size,
  mtimeMs: 0,
});
const job = (...sizes: number[]) => ({ files: sizes.map(file), algorithms: ['md5' as const] });

describe('checksum batches', () => {
  it('weigh a job by the bytes of its files plus the fixed cost of each file', () => {
    expect(CHECKSUM_BATCH.weigh(job(4096))).toBe(4096 + PER_FILE_WEIGHT);
    expect(CHECKSUM_BATCH.weigh(job(4096, 0))).toBe(4096 + 2 * PER_FILE_WEIGHT);
    // Two jobs of 100 files of 4 KiB fit one batch; two files of 40 MiB do not.
    const hundred = job(...Array.from({ length: 100 }, () => 4096));
    expect(2 * CHECKSUM_BATCH.weigh(hundred)).toBeLessThanOrEqual(CHECKSUM_BATCH.budget);
    expect(2 * CHECKSUM_BATCH.weigh(job(40 * 1024 * 1024))).toBeGreaterThan(CHECKSUM_BATCH.budget);
  });

  it('read small files several at a time and a batch with a large one file by file', () => {
    expect(readsInFlight(job(0, 4096, 1024 * 1024).files)).toBe(SMALL_FILE_READS);
    expect(readsInFlight(job(4096, 1024 * 1024 + 1).files)).toBe(1);
  });

  it('run every item with at most the limit in flight', async () => {
    let inFlight = 0;
    let peak = 0;
    const done: number[] = [];
    await forEachWithin([1, 2, 3, 4, 5, 6, 7], 3, async (n) => {
      inFlight += 1;
      peak = Math.max(peak, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 5 * (n % 3)));
      inFlight -= 1;
      done.push(n);
    });
    expect(done.sort()).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(peak).toBe(3);
    await forEachWithin([], 3, () => Promise.reject(new Error('never called')));
  });
});
