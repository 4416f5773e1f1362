// Checksums as the catalog stores them: algorithm → lower-case hex digest. The algorithms are
// those of the checksum_algorithms setting; each has its own look-up index (migration 0004).

export const CHECKSUM_ALGORITHMS = ['md5', 'sha1', 'sha256', 'xxh64', 'xxh3'] as const;
export type ChecksumAlgorithm = (typeof CHECKSUM_ALGORITHMS)[number];

/** Hex digits of each algorithm's digest (xxh3 is the 64-bit XXH3). */
export const DIGEST_HEX_LENGTH: Readonly<Record<ChecksumAlgorithm, number>> = {
  md5: 32,
  sha1: 40,
  sha256: 64,
  xxh64: 16,
  xxh3: 16,
};

export function isChecksumAlgorithm(name: string): name is ChecksumAlgorithm {
  return (CHECKSUM_ALGORITHMS as readonly string[]).includes(name);
}

/** Why a digest is not storable, or undefined when it is (hex of the algorithm's length; case ignored). */
export function checksumProblem(algorithm: string, digest: string): string | undefined {
  if (!isChecksumAlgorithm(algorithm))
    return `unknown checksum algorithm "${algorithm}" (known: ${CHECKSUM_ALGORITHMS.join(', ')})`;
  const length = DIGEST_HEX_LENGTH[algorithm];
  if (digest.length !== length || !/^[0-9a-fA-F]+$/.test(digest))
    return `a ${algorithm} digest is ${length} hex digits, got "${digest.slice(0, 80)}"`;
  return undefined;
}

/** The digests in their stored form (lower case); throws naming the first bad one. */
export function normalizeChecksums(checksums: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [algorithm, digest] of Object.entries(checksums)) {
    const problem = checksumProblem(algorithm, digest);
    if (problem) throw new RangeError(problem);
    out[algorithm] = digest.toLowerCase();
  }
  return out;
}
