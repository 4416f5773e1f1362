// How a file is cut into multipart parts. The size grows with the file so that big files are not
// thousands of small requests, and always fits S3's limits (5 MiB..5 GiB a part, 10,000 parts).
// The chosen size is stored with the upload: a resumed upload keeps it, whatever the settings of
// the node that resumes.

export const MIB = 1024 * 1024;
/** S3's smallest part (except the last). */
export const MIN_PART_SIZE = 5 * MIB;
export const MAX_PART_SIZE = 5 * 1024 * MIB;
export const MAX_PARTS = 10_000;
/** S3's largest object. */
export const MAX_OBJECT_SIZE = 5 * 1024 * 1024 * MIB;

export interface PartSizeOptions {
  /** A fixed part size (still raised when the file would need more than 10,000 parts). */
  readonly partSize?: number;
  /** Default 8 MiB. */
  readonly minPartSize?: number;
  /** Default 64 MiB: the memory bound of one in-flight part. */
  readonly maxPartSize?: number;
  /** Parts aimed for before the size grows. Default 1000. */
  readonly targetParts?: number;
}

export interface Part {
  /** 1-based. */
  readonly partNumber: number;
  readonly offset: number;
  readonly size: number;
}

function roundUpToMib(bytes: number): number {
  return Math.ceil(bytes / MIB) * MIB;
}

export function choosePartSize(totalSize: number, options: PartSizeOptions = {}): number {
  if (!Number.isSafeInteger(totalSize) || totalSize < 0)
    throw new RangeError(`file size ${totalSize} is not a byte count`);
  if (totalSize > MAX_OBJECT_SIZE)
    throw new RangeError(`file size ${totalSize} bytes exceeds S3's largest object (5 TiB)`);
  // The smallest size that keeps the file within 10,000 parts.
  const floor = Math.max(MIN_PART_SIZE, roundUpToMib(totalSize / MAX_PARTS));
  if (options.partSize !== undefined) {
    if (
      !Number.isSafeInteger(options.partSize) ||
      options.partSize < MIN_PART_SIZE ||
      options.partSize > MAX_PART_SIZE
    )
      throw new RangeError(`part size ${options.partSize} is outside S3's 5 MiB..5 GiB`);
    return Math.max(options.partSize, floor);
  }
  const min = options.minPartSize ?? 8 * MIB;
  const max = options.maxPartSize ?? 64 * MIB;
  const targetParts = options.targetParts ?? 1000;
  let size = Math.max(min, MIN_PART_SIZE);
  while (size < max && Math.ceil(totalSize / size) > targetParts) size *= 2;
  return Math.min(Math.max(Math.min(size, max), floor), MAX_PART_SIZE);
}

export function partCount(totalSize: number, partSize: number): number {
  return Math.max(1, Math.ceil(totalSize / partSize));
}

/** The parts of a file, in order; an empty file is one empty part. */
export function planParts(totalSize: number, partSize: number): Part[] {
  const count = partCount(totalSize, partSize);
  if (count > MAX_PARTS)
    throw new RangeError(`${count} parts of ${partSize} bytes exceed S3's ${MAX_PARTS}-part limit`);
  return Array.from({ length: count }, (_, index) => {
    const offset = index * partSize;
    return { partNumber: index + 1, offset, size: Math.min(partSize, totalSize - offset) };
  });
}
