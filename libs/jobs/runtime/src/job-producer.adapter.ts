// Producer: validates the payload, names the per-cluster queue, derives the job id from the
// idempotency key and sends through pg-boss — optionally on the caller's transaction, so that
// "record the result + enqueue the next stage" commits atomically.
import {
  deadLetterQueueName,
  type JobDefinition,
  type JobInput,
  parsePayload,
  queueName,
} from '@portico/jobs-contracts';
import { type JobInsert, type PgBoss } from 'pg-boss';

import { jobIdForKey } from './idempotency';
import { bossDb, type Queryable } from './transaction.repository';
import { type WakeupPublisher } from './wakeups';

export interface ProducerSendOptions {
  /**
   * A pg client inside the caller's open transaction: the job exists only if it commits. No
   * wake-up is published then (the transaction has not committed yet) — call `wake()` after COMMIT.
   */
  readonly db?: Queryable;
  /** Overrides the definition's singletonKey; null sends without an idempotency key. */
  readonly idempotencyKey?: string | null;
  /** Delay before the job may run, in seconds. */
  readonly startAfterSeconds?: number;
  readonly priority?: number;
}

function jobOptions(def: JobDefinition, clusterId: string): Omit<JobInsert, 'id' | 'data'> {
  return {
    retryLimit: def.retry.limit,
    retryDelay: def.retry.delaySeconds,
    retryBackoff: def.retry.backoff,
    ...(def.retry.maxDelaySeconds === undefined ? {} : { retryDelayMax: def.retry.maxDelaySeconds }),
    expireInSeconds: def.expireSeconds,
    ...(def.deadLetter ? { deadLetter: deadLetterQueueName(clusterId) } : {}),
  };
}

/** Creates the cluster's dead-letter queue and one queue per definition (idempotent). */
export async function ensureQueues(
  boss: PgBoss,
  clusterId: string,
  defs: readonly JobDefinition[],
): Promise<void> {
  const existing = new Set((await boss.getQueues()).map((queue) => queue.name));
  const dead = deadLetterQueueName(clusterId);
  if (!existing.has(dead)) await boss.createQueue(dead, { policy: 'standard' });
  for (const def of defs) {
    const name = queueName(clusterId, def.name);
    if (existing.has(name)) continue;
    await boss.createQueue(name, { policy: 'standard', ...jobOptions(def, clusterId) });
  }
}

export class JobProducer {
  constructor(
    private readonly boss: PgBoss,
    private readonly wakeups?: WakeupPublisher,
  ) {}

  /**
   * Validates and sends one job. Resolves with its id, or null when a job with the same
   * idempotency key is already stored (the send was a no-op). Throws InvalidPayloadError.
   */
  async send<D extends JobDefinition>(
    def: D,
    clusterId: string,
    payload: JobInput<D>,
    options: ProducerSendOptions = {},
  ): Promise<string | null> {
    const queue = queueName(clusterId, def.name);
    const insert = this.toInsert(def, clusterId, queue, payload, options);
    const id = await this.boss.send(queue, insert.data, {
      ...insert,
      ...(options.priority === undefined ? {} : { priority: options.priority }),
      ...(options.db ? { db: bossDb(options.db) } : {}),
    });
    if (!options.db) this.wake(def, clusterId);
    return id;
  }

  /** Validates all payloads first (none is sent if one is invalid), then one pg-boss insert. */
  async sendBatch<D extends JobDefinition>(
    def: D,
    clusterId: string,
    payloads: readonly JobInput<D>[],
    options: Pick<ProducerSendOptions, 'db' | 'startAfterSeconds'> = {},
  ): Promise<string[]> {
    if (payloads.length === 0) return [];
    const queue = queueName(clusterId, def.name);
    const each =
      options.startAfterSeconds === undefined ? {} : { startAfterSeconds: options.startAfterSeconds };
    const inserts = payloads.map((payload) => this.toInsert(def, clusterId, queue, payload, each));
    const ids = await this.boss.insert(queue, inserts, {
      returnId: true,
      ...(options.db ? { db: bossDb(options.db) } : {}),
    });
    if (!options.db) this.wake(def, clusterId);
    return ids ?? [];
  }

  /** Publishes the wake-up for a queue; call after committing a transaction that sent to it. */
  wake(def: JobDefinition, clusterId: string): void {
    this.wakeQueue(queueName(clusterId, def.name));
  }

  /** Publishes the wake-up for a queue by its full name (e.g. after the reaper re-queued jobs). */
  wakeQueue(queue: string): void {
    this.wakeups?.publish(queue);
  }

  private toInsert(
    def: JobDefinition,
    clusterId: string,
    queue: string,
    payload: unknown,
    options: ProducerSendOptions,
  ): JobInsert & { data: object } {
    const data = parsePayload(def, payload) as object;
    const key =
      options.idempotencyKey === undefined ? (def.singletonKey?.(data) ?? null) : options.idempotencyKey;
    return {
      ...jobOptions(def, clusterId),
      data,
      ...(key === null ? {} : { id: jobIdForKey(queue, key), singletonKey: key }),
      ...(options.startAfterSeconds === undefined ? {} : { startAfter: options.startAfterSeconds }),
    };
  }
}
