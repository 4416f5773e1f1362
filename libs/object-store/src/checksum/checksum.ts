// Content checksums as the catalog records them (SPEC 2.3 `checksum_algorithms`): an algorithm
// and a lower-case hex digest. Every transfer is verified against one end to end.
import { CHECKSUM_ALGORITHMS } from '@portico/jobs-contracts';

export type ChecksumAlgorithm = (typeof CHECKSUM_ALGORITHMS)[number];

export interface Checksum {
  readonly algorithm: ChecksumAlgorithm;
  /** Lower-case hex. */
  readonly value: string;
}

const HEX_LENGTH: Readonly<Record<ChecksumAlgorithm, number>> = {
  md5: 32,
  sha1: 40,
  sha256: 64,
  xxh64: 16,
  xxh3: 16,
};

/** Throws a message naming the problem when `checksum` is not a well-formed digest of its algorithm. */
export function checkChecksum(checksum: Checksum): Checksum {
  if (!(CHECKSUM_ALGORITHMS as readonly string[]).includes(checksum.algorithm))
    throw new TypeError(
      `Checksum algorithm "${checksum.algorithm}" is not one of ${CHECKSUM_ALGORITHMS.join(', ')}.`,
    );
  const length = HEX_LENGTH[checksum.algorithm];
  if (!new RegExp(`^[0-9a-f]{${length}}$`).test(checksum.value))
    throw new TypeError(
      `Checksum "${checksum.value}" is not a ${checksum.algorithm} digest (${length} lower-case hex digits).`,
    );
  return checksum;
}

/** `md5:9e107d9d…`: how a checksum is written in object metadata and messages. */
export function formatChecksum(checksum: Checksum): string {
  return `${checksum.algorithm}:${checksum.value}`;
}

/** The inverse of formatChecksum; undefined for anything else. */
export function parseChecksum(text: string | undefined): Checksum | undefined {
  if (!text) return undefined;
  const [algorithm, value, ...rest] = text.trim().split(':');
  if (rest.length > 0 || !algorithm || !value) return undefined;
  try {
    return checkChecksum({ algorithm: algorithm as ChecksumAlgorithm, value });
  } catch {
    return undefined;
  }
}

export function sameChecksum(a: Checksum, b: Checksum): boolean {
  return a.algorithm === b.algorithm && a.value === b.value;
}
