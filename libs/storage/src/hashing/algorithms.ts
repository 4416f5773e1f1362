// The checksum algorithms a node can compute (SPEC 2.3 `checksum_algorithms`); the list itself is
// the job contracts' so a payload and the hasher can never disagree.
import { CHECKSUM_ALGORITHMS } from '@portico/jobs-contracts';

export type HashAlgorithm = (typeof CHECKSUM_ALGORITHMS)[number];

export const HASH_ALGORITHMS: readonly HashAlgorithm[] = CHECKSUM_ALGORITHMS;

/** A request the hasher cannot serve; the same request fails the same way, so it is permanent. */
export class InvalidHashRequestError extends Error {
  override readonly name = 'InvalidHashRequestError';
  readonly permanent = true;
}

export function isHashAlgorithm(value: string): value is HashAlgorithm {
  return (HASH_ALGORITHMS as readonly string[]).includes(value);
}

/** Checks a requested list: at least one algorithm, each known, none twice. */
export function hashAlgorithms(requested: readonly string[]): HashAlgorithm[] {
  if (requested.length === 0) {
    throw new InvalidHashRequestError(
      `no checksum algorithm requested; ask for at least one of ${HASH_ALGORITHMS.join(', ')}`,
    );
  }
  const seen = new Set<HashAlgorithm>();
  for (const name of requested) {
    if (!isHashAlgorithm(name)) {
      throw new InvalidHashRequestError(
        `unknown checksum algorithm "${name}"; supported: ${HASH_ALGORITHMS.join(', ')}`,
      );
    }
    if (seen.has(name)) {
      throw new InvalidHashRequestError(`checksum algorithm "${name}" is requested twice`);
    }
    seen.add(name);
  }
  return [...seen];
}
