// The jobs API (`portico jobs`): queue depths, active leases, dead letters, retry/discard, one
// job's state and progress.
import { z } from 'zod';

import { Id, IsoTime } from './common';

export const QueueDepthView = z.object({
  /** The job type, e.g. `checksum.file`; `_dead` is the cluster's dead-letter queue. */
  job: z.string(),
  queue: z.string(),
  queued: z.number().int().nonnegative(),
  deferred: z.number().int().nonnegative(),
  active: z.number().int().nonnegative(),
  leases: z.number().int().nonnegative(),
  failed: z.number().int().nonnegative(),
  dead: z.number().int().nonnegative(),
});
export type QueueDepthView = z.infer<typeof QueueDepthView>;

export const JobsOverview = z.object({
  clusterId: Id,
  queues: z.array(QueueDepthView),
  totals: z.object({
    queued: z.number().int().nonnegative(),
    active: z.number().int().nonnegative(),
    leases: z.number().int().nonnegative(),
    dead: z.number().int().nonnegative(),
  }),
});
export type JobsOverview = z.infer<typeof JobsOverview>;

export const DeadLetterView = z.object({
  id: Id,
  job: z.string().nullable(),
  sourceJobId: Id.nullable(),
  data: z.unknown(),
  error: z.unknown(),
  retries: z.number().int().nullable(),
  deadAt: IsoTime,
});
export type DeadLetterView = z.infer<typeof DeadLetterView>;

export const DeadLetterList = z.object({ items: z.array(DeadLetterView), nextBefore: IsoTime.nullable() });
export type DeadLetterList = z.infer<typeof DeadLetterList>;

export const DeadLetterQuery = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  before: IsoTime.optional(),
  job: z
    .string()
    .regex(/^[a-z][a-z0-9-]*(\.[a-z][a-z0-9-]*)*$/)
    .optional(),
});

/** Which dead letters to retry or discard: ids, or every one (of one job type when `job` is set). */
export const DeadLetterSelection = z
  .object({
    ids: z.array(Id).min(1).max(10_000).optional(),
    all: z.literal(true).optional(),
    job: z.string().optional(),
  })
  .refine((body) => (body.ids ? !body.all : body.all === true), {
    message: 'give either "ids" or "all": true',
  });
export type DeadLetterSelection = z.infer<typeof DeadLetterSelection>;

export const DeadLetterActionResult = z.object({ count: z.number().int().nonnegative() });

export const JobAttemptViewSchema = z.object({
  attemptId: Id,
  attempt: z.number().int().nonnegative(),
  /** Null when the attempt never reported (a short first attempt, or one that died at once). */
  nodeId: Id.nullable(),
  workerId: Id.nullable(),
  state: z.string(),
  startedAt: IsoTime,
  finishedAt: IsoTime.nullable(),
  leasedUntil: IsoTime.nullable(),
  progress: z.unknown(),
  lastError: z.string().nullable(),
});

export const JobDetail = z.object({
  id: Id,
  job: z.string().nullable(),
  state: z.string(),
  retryCount: z.number().int(),
  retryLimit: z.number().int(),
  data: z.unknown(),
  output: z.unknown(),
  createdAt: IsoTime,
  startedAt: IsoTime.nullable(),
  completedAt: IsoTime.nullable(),
  progress: z.unknown(),
  attempts: z.array(JobAttemptViewSchema),
});
export type JobDetail = z.infer<typeof JobDetail>;
