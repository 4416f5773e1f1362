import { CHECKSUM_BATCH, PER_FILE_WEIGHT } from './checksum-batch';

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
    // Nine jobs of 100 files of 4 KiB fit one batch, ten do not; two files of 40 MiB do not.
    const hundred = job(...Array.from({ length: 100 }, () => 4096));
    expect(9 * CHECKSUM_BATCH.weigh(hundred)).toBeLessThanOrEqual(CHECKSUM_BATCH.budget);
    expect(10 * CHECKSUM_BATCH.weigh(hundred)).toBeGreaterThan(CHECKSUM_BATCH.budget);
    expect(2 * CHECKSUM_BATCH.weigh(job(40 * 1024 * 1024))).toBeGreaterThan(CHECKSUM_BATCH.budget);
  });
});
