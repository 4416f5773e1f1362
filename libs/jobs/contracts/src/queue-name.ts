// Per-cluster queue names. pg-boss accepts /^[\w.\-/]+$/ with no length limit of its own (a
// partitioned queue's table name is a hash), so the form is chosen for compactness and for being
// parseable back without ambiguity:
//
//   pt.<cluster id as 32 lower-case hex digits>.<job name>     e.g. pt.0f3a…9c.checksum.file
//   pt.<cluster id as 32 lower-case hex digits>._dead          the cluster's dead-letter queue
//
// The cluster segment has a fixed length and the uuid -> hex mapping is one-to-one, so two clusters
// never share a queue; job names never start with `_`, so no job queue is the dead-letter queue.
import { JOB_NAME_MAX_LENGTH, JOB_NAME_PATTERN } from './define-job';

export const QUEUE_PREFIX = 'pt';
export const DEAD_LETTER_SEGMENT = '_dead';
const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;
const QUEUE = /^pt\.([0-9a-f]{32})\.(.+)$/;

export class InvalidQueueNameError extends Error {
  override readonly name = 'InvalidQueueNameError';
}

/** The 32-hex-digit form of a cluster id; throws on anything that is not a uuid. */
export function clusterSegment(clusterId: string): string {
  if (!UUID.test(clusterId)) {
    throw new InvalidQueueNameError(
      `Cluster id "${clusterId}" is not a uuid; queues are named per cluster id`,
    );
  }
  return clusterId.replace(/-/g, '').toLowerCase();
}

/** The prefix every queue of one cluster starts with (for scans such as the lease reaper's). */
export function clusterQueuePrefix(clusterId: string): string {
  return `${QUEUE_PREFIX}.${clusterSegment(clusterId)}.`;
}

export function queueName(clusterId: string, jobName: string): string {
  if (!JOB_NAME_PATTERN.test(jobName) || jobName.length > JOB_NAME_MAX_LENGTH) {
    throw new InvalidQueueNameError(
      `"${jobName}" is not a job name (lower-case dotted words, e.g. checksum.file)`,
    );
  }
  return `${clusterQueuePrefix(clusterId)}${jobName}`;
}

export function deadLetterQueueName(clusterId: string): string {
  return `${clusterQueuePrefix(clusterId)}${DEAD_LETTER_SEGMENT}`;
}

export type ParsedQueueName =
  | { readonly kind: 'job'; readonly clusterId: string; readonly jobName: string }
  | { readonly kind: 'dead-letter'; readonly clusterId: string };

/** Reverses queueName()/deadLetterQueueName(); undefined for a queue that is not Portico's. */
export function parseQueueName(queue: string): ParsedQueueName | undefined {
  const match = QUEUE.exec(queue);
  if (!match) return undefined;
  const hex = match[1]!;
  const rest = match[2]!;
  const clusterId = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  if (rest === DEAD_LETTER_SEGMENT) return { kind: 'dead-letter', clusterId };
  if (!JOB_NAME_PATTERN.test(rest) || rest.length > JOB_NAME_MAX_LENGTH) return undefined;
  return { kind: 'job', clusterId, jobName: rest };
}
