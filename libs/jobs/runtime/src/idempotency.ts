// A job id derived from the queue and the job's idempotency key: pg-boss inserts with
// ON CONFLICT DO NOTHING, so a second send with the same key is a no-op while the first job is
// stored — whatever its state and without a queue policy that would also constrain retries.
import { createHash } from 'node:crypto';

export function jobIdForKey(queue: string, key: string): string {
  const bytes = createHash('sha256').update(queue).update('\0').update(key).digest().subarray(0, 16);
  // RFC 9562 version 8 (custom) and the RFC variant bits, so it is a well-formed uuid.
  bytes[6] = (bytes[6]! & 0x0f) | 0x80;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
