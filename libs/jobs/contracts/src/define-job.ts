// A job type, declared once as data: its name (a string literal), payload schema, retry policy,
// expiry, dead letter, idempotency key and the worker role that runs it.
import { type z } from 'zod';

export const JOB_ROLES = ['MAIN', 'CHECKSUM', 'TRANSCODE', 'TRANSFER'] as const;
export type JobRole = (typeof JOB_ROLES)[number];

/** Lower-case dotted words, e.g. `checksum.file`, `transfer.upload`. Never starts with `_`. */
export const JOB_NAME_PATTERN = /^[a-z][a-z0-9-]*(\.[a-z][a-z0-9-]*)*$/;
export const JOB_NAME_MAX_LENGTH = 64;

export interface RetryPolicy {
  /** Retries after the first attempt; 0 = one attempt only. */
  readonly limit: number;
  /** Delay before the first retry, in seconds. */
  readonly delaySeconds: number;
  /** Exponential backoff from delaySeconds (pg-boss: delay * 2^n with jitter). */
  readonly backoff: boolean;
  /** Upper bound of a backoff delay, in seconds. */
  readonly maxDelaySeconds?: number;
}

export interface JobDefinition<N extends string = string, S extends z.ZodType = z.ZodType> {
  readonly name: N;
  readonly payload: S;
  readonly retry: RetryPolicy;
  /**
   * Hard wall-clock limit of one attempt, in seconds (pg-boss's expireInSeconds). A backstop only:
   * a dead worker is detected through its lease (visibility timeout), long before this.
   */
  readonly expireSeconds: number;
  /** Jobs that exhaust their retries go to the cluster's dead-letter queue. */
  readonly deadLetter: boolean;
  /**
   * Idempotency key: a second send with the same key while the first job is still stored is a
   * no-op. Name the content version (e.g. file id + checksum), not just the subject.
   */
  // A method signature (bivariant) so that specific definitions fit `JobDefinition` lists.
  singletonKey?(payload: z.output<S>): string;
  readonly role: JobRole;
}

export type JobPayload<D> = D extends JobDefinition<string, infer S> ? z.output<S> : never;

export interface DefineJobInput<N extends string, S extends z.ZodType> {
  readonly name: N;
  readonly payload: S;
  readonly retry: RetryPolicy;
  readonly expireSeconds?: number;
  readonly deadLetter: boolean;
  readonly singletonKey?: (payload: z.output<S>) => string;
  readonly role: JobRole;
}

/** Default hard limit of one attempt: 4 hours (transcodes of long media are slow). */
export const DEFAULT_EXPIRE_SECONDS = 4 * 60 * 60;

export class InvalidJobDefinitionError extends Error {
  override readonly name = 'InvalidJobDefinitionError';
}

export function defineJob<const N extends string, S extends z.ZodType>(
  input: DefineJobInput<N, S>,
): JobDefinition<N, S> {
  const problems: string[] = [];
  if (!JOB_NAME_PATTERN.test(input.name) || input.name.length > JOB_NAME_MAX_LENGTH) {
    problems.push(
      `name must be lower-case dotted words (${String(JOB_NAME_PATTERN)}), at most ${JOB_NAME_MAX_LENGTH} characters`,
    );
  }
  const { limit, delaySeconds, maxDelaySeconds } = input.retry;
  if (!Number.isInteger(limit) || limit < 0) problems.push('retry.limit must be an integer >= 0');
  if (!Number.isInteger(delaySeconds) || delaySeconds < 0) {
    problems.push('retry.delaySeconds must be an integer >= 0');
  }
  if (maxDelaySeconds !== undefined && (!Number.isInteger(maxDelaySeconds) || maxDelaySeconds < 1)) {
    problems.push('retry.maxDelaySeconds must be an integer >= 1');
  }
  const expireSeconds = input.expireSeconds ?? DEFAULT_EXPIRE_SECONDS;
  if (!Number.isInteger(expireSeconds) || expireSeconds < 1)
    problems.push('expireSeconds must be an integer >= 1');
  if (problems.length > 0) {
    throw new InvalidJobDefinitionError(`Job definition "${input.name}" is invalid: ${problems.join('; ')}`);
  }
  return Object.freeze({ ...input, retry: Object.freeze({ ...input.retry }), expireSeconds });
}

/** What a producer passes (before schema defaults and transforms). */
export type JobInput<D> = D extends JobDefinition<string, infer S> ? z.input<S> : never;
