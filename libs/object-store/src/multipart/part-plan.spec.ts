import { choosePartSize, MAX_PARTS, MIB, MIN_PART_SIZE, partCount, planParts } from './part-plan';

const GIB = 1024 * MIB;

it.each([
  [100 * MIB, 8 * MIB],
  [8 * GIB, 16 * MIB],
  [50 * GIB, 64 * MIB],
  [600 * GIB, 64 * MIB],
])('a %d-byte file gets %d-byte parts', (size, partSize) => {
  expect(choosePartSize(size)).toBe(partSize);
});

it('grows parts beyond 64 MiB only to stay within 10,000 parts', () => {
  const size = 1024 * GIB;
  const partSize = choosePartSize(size);
  expect(partSize).toBeGreaterThan(64 * MIB);
  expect(partSize % MIB).toBe(0);
  expect(partCount(size, partSize)).toBeLessThanOrEqual(MAX_PARTS);
  expect(partCount(size, partSize - MIB)).toBeGreaterThan(MAX_PARTS);
});

it('honours a fixed part size unless the file would need too many parts', () => {
  expect(choosePartSize(100 * MIB, { partSize: MIN_PART_SIZE })).toBe(MIN_PART_SIZE);
  expect(partCount(200 * GIB, choosePartSize(200 * GIB, { partSize: MIN_PART_SIZE }))).toBeLessThanOrEqual(
    MAX_PARTS,
  );
});

it('refuses part sizes S3 does not accept, and files larger than 5 TiB', () => {
  expect(() => choosePartSize(100 * MIB, { partSize: MIB })).toThrow('5 MiB..5 GiB');
  expect(() => choosePartSize(6 * 1024 * GIB)).toThrow('5 TiB');
});

it('plans contiguous parts that cover the file exactly', () => {
  const parts = planParts(21 * MIB + 3, 5 * MIB);
  expect(parts.map((part) => part.partNumber)).toEqual([1, 2, 3, 4, 5]);
  expect(parts.at(-1)).toEqual({ partNumber: 5, offset: 20 * MIB, size: MIB + 3 });
  let offset = 0;
  for (const part of parts) {
    expect(part.offset).toBe(offset);
    offset += part.size;
  }
  expect(offset).toBe(21 * MIB + 3);
});

it('an empty file is one empty part', () => {
  expect(planParts(0, 5 * MIB)).toEqual([{ partNumber: 1, offset: 0, size: 0 }]);
});
