import {
  CHECKSUM_BATCH,
  forEachWithin,
  PER_FILE_WEIGHT,
  readsInFlight,
  SMALL_FILE_READS,
} from './checksum-batch';

const job = (size: number) => ({
  payload: {
    fileId: '00000000-0000-4000-8000-000000000000',
    assetId: '00000000-0000-4000-8000-000000000001',
    path: 'a.bin',
    size,
    mtimeMs: 0,
    algorithms: ['md5' as const],
  },
});

describe('checksum batches', () => {
  it('weigh a file by its bytes plus the fixed cost of a file', () => {
    expect(CHECKSUM_BATCH.weigh(job(4096).payload)).toBe(4096 + PER_FILE_WEIGHT);
    // 100 files of 4 KiB fit one batch; two files of 40 MiB do not.
    expect(100 * CHECKSUM_BATCH.weigh(job(4096).payload)).toBeLessThanOrEqual(CHECKSUM_BATCH.budget);
    expect(2 * CHECKSUM_BATCH.weigh(job(40 * 1024 * 1024).payload)).toBeGreaterThan(CHECKSUM_BATCH.budget);
  });

  it('read small files several at a time and a batch with a large one file by file', () => {
    expect(readsInFlight([job(0), job(4096), job(1024 * 1024)])).toBe(SMALL_FILE_READS);
    expect(readsInFlight([job(4096), job(1024 * 1024 + 1)])).toBe(1);
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
