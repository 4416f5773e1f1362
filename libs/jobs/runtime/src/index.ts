// Public API of the job runtime: producer, consumer core, lease store, reaper, wake-ups.
export * from './errors';
export * from './slots';
export * from './live-semaphore';
export * from './idempotency';
export * from './lease-store';
export * from './wakeups';
export * from './job-consumer';
export { PgLeaseStore, type PgLeaseStoreOptions } from './lease.repository';
export {
  reapExpiredLeases,
  REAP_ACTION,
  type ReapOptions,
  type ReapResult,
  type ReapedJob,
} from './reaper.repository';
export { JobProducer, ensureQueues, type ProducerSendOptions } from './job-producer.adapter';
export { RedisWakeups } from './wakeups.adapter';
export { inTransaction, type Queryable } from './transaction.repository';
export { BatchSizing, type BatchSizingOptions } from './batch-sizing';
export {
  OnJob,
  OnJobBatch,
  markedHandlersOf,
  type MarkedHandler,
  type BatchMarkOptions,
} from './handlers/on-job';
export {
  consumedJobs,
  planHandlers,
  HandlerDiscoveryError,
  type HandlerCandidate,
} from './handlers/handler-plan';
export {
  JobsRuntime,
  type JobsRuntimeOptions,
  type JobsRuntimeStats,
  type DiscoveredHandler,
} from './handlers/jobs-runtime';
export { queueDepths, queueTable, type QueueDepth } from './queue-stats.repository';
export { JobAdmin, type DeadLetter, type JobView, type JobAttemptView } from './job-admin.repository';
