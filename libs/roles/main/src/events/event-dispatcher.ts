// The leader's event dispatcher (SPEC 2.5: "the leader consumes each exactly once, term-fenced,
// and turns it into jobs"). One fenced transaction per batch claims events one by one and, for
// each, sends its jobs and records the dispatch — so a deposed leader's batch commits nothing, and
// an event claimed by a term is never claimed by an older or equal one again.
//
// It also settles events by their jobs' ends as pg-boss records them (completed, failed for good,
// cancelled): the transfer handlers settle their own, but transcode jobs carry no event, and a job
// can end without its handler (an expired lease out of retries, an invalid payload).
import {
  CatalogConflictError,
  type CatalogEvent,
  CatalogNotFoundError,
  CatalogRepository,
  EventClaimLostError,
  EventsRepository,
} from '@portico/catalog';
import { type FenceContext, withFence } from '@portico/cluster';
import { type JobDefinition, queueName } from '@portico/jobs-contracts';
import { jobIdForKey, type JobProducer } from '@portico/jobs-runtime';
import type { Pool, PoolClient } from 'pg';

import { removeWithin } from './delete-files';
import { EventContextRepository } from './event-context.repository';
import { type JobEnd, EventJobsRepository } from './event-jobs.repository';
import {
  type ClusterFacts,
  EVENT_JOBS,
  type EventJobDefinition,
  eventJobDefinition,
  type EventPlan,
  planEvent,
  type PlannedJob,
} from './event-plan';
import type { StorageFiles } from './storage-files';

/** Audit verbs of the fenced writes (portico.fenced_writes.action). */
export const DISPATCH_ACTION = 'consume-event';
export const SETTLE_ACTION = 'settle-event';

export interface DispatchLimits {
  /** Events per fenced transaction. */
  readonly batchEvents: number;
  /** A transaction takes no further event once it has sent this many jobs. */
  readonly batchJobs: number;
  /**
   * …or once it has run this long: a fenced transaction holds the lease row's share lock, which
   * the leader's own renewal waits for, so it must stay well under the renew interval.
   */
  readonly batchMs: number;
  /** Dispatch batches follow each other for at most this long before jobs are settled. */
  readonly roundMs: number;
  /** Running events looked at per settlement pass (oldest first, continuing where the last stopped). */
  readonly settlePage: number;
  /** Job settlements per fenced transaction. */
  readonly settleBatch: number;
  /** A delete event's removals from the storage must answer within this long. */
  readonly deleteMs: number;
  /** A dispatch that fails this many times in a row (an error, not a refusal) fails the event. */
  readonly maxAttempts: number;
}

export const DEFAULT_DISPATCH_LIMITS: DispatchLimits = {
  batchEvents: 25,
  batchJobs: 2_000,
  batchMs: 150,
  roundMs: 2_000,
  settlePage: 500,
  settleBatch: 100,
  deleteMs: 400,
  maxAttempts: 3,
};

export interface DispatcherLogger {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

/** What happened to events, for metrics. */
export interface EventDispatchObserver {
  /** The event as its dispatch left it (running with jobs, or already done / failed). */
  dispatched?(event: CatalogEvent, jobs: number): void;
  /** Its last job settled it (done or failed). */
  settled?(event: CatalogEvent): void;
}

export interface EventDispatcherOptions {
  readonly pool: Pool;
  readonly producer: JobProducer;
  readonly files: StorageFiles;
  /** The transcode profiles in force (settings) and the default plan of a media kind. */
  readonly transcode: () => Pick<ClusterFacts, 'profiles' | 'profilesFor'>;
  /** Asks the scan loop for a scan now; called once the rescan event has committed. */
  readonly requestRescan: (directory: string | null) => void;
  readonly logger: DispatcherLogger;
  readonly observer?: EventDispatchObserver;
  readonly limits?: Partial<DispatchLimits>;
}

export interface RoundResult {
  readonly dispatched: number;
  /** Jobs whose end was recorded on their event. */
  readonly settled: number;
  /** Events are still waiting (the round ran out of time, or a batch was full): poll again at once. */
  readonly more: boolean;
}

interface Dispatched {
  readonly event: CatalogEvent;
  readonly jobIds: readonly string[];
  readonly defs: readonly JobDefinition[];
  /** Set for a rescan: the directory asked for (null: the whole storage). */
  readonly rescan?: string | null;
}

interface BatchResult {
  readonly ended: Dispatched[];
  readonly more: boolean;
  /** An event whose dispatch failed and will be tried again. */
  readonly retry?: { readonly event: CatalogEvent; readonly error: unknown; readonly attempt: number };
}

export class EventDispatcher {
  private readonly events = new EventsRepository();
  private readonly catalog = new CatalogRepository();
  private readonly context = new EventContextRepository();
  private readonly jobs = new EventJobsRepository();
  private readonly limits: DispatchLimits;
  /** Failed dispatch attempts per event, in a row. */
  private readonly attempts = new Map<string, number>();
  private settleCursor = '0';

  constructor(private readonly options: EventDispatcherOptions) {
    this.limits = { ...DEFAULT_DISPATCH_LIMITS, ...options.limits };
  }

  /** Dispatches batches while events are waiting (for at most roundMs), then settles ended jobs. */
  async runRound(fence: FenceContext): Promise<RoundResult> {
    const started = performance.now();
    let dispatched = 0;
    let more = true;
    while (more && performance.now() - started < this.limits.roundMs) {
      const batch = await this.dispatchBatch(fence);
      dispatched += batch.events;
      more = batch.more;
    }
    const settled = await this.settle(fence);
    return { dispatched, settled, more };
  }

  /**
   * One fenced transaction: claims events one at a time (oldest first) and dispatches each, until
   * none is left or the batch is full. Throws StaleTermError, with nothing written, once this
   * node's term is no longer current.
   */
  async dispatchBatch(fence: FenceContext): Promise<{ events: number; more: boolean }> {
    const batch = await withFence(this.options.pool, { ...fence, action: DISPATCH_ACTION }, (client) =>
      this.claimAndDispatch(client, fence),
    );
    // Committed: wake the consumers of what was sent, start the scans asked for.
    const woken = new Set<JobDefinition>();
    for (const dispatched of batch.ended) {
      for (const def of dispatched.defs) woken.add(def);
      if (dispatched.rescan !== undefined) this.options.requestRescan(dispatched.rescan);
      this.report(dispatched, fence.term);
    }
    for (const def of woken) this.options.producer.wake(def, fence.clusterId);
    if (batch.retry) {
      const { event, error, attempt } = batch.retry;
      this.options.logger.warn(
        { eventId: event.id, kind: event.kind, attempt, of: this.limits.maxAttempts, err: error },
        'event dispatch failed; it stays queued and is tried again',
      );
    }
    return { events: batch.ended.length, more: batch.more };
  }

  /** Records on their events the jobs pg-boss holds as ended; returns how many it recorded. */
  async settle(fence: FenceContext): Promise<number> {
    const { pool } = this.options;
    const page = await this.jobs.pendingPage(
      pool,
      fence.clusterId,
      this.settleCursor,
      this.limits.settlePage,
    );
    this.settleCursor = page.events.length < this.limits.settlePage ? '0' : (page.events.at(-1)?.seq ?? '0');
    const eventOf = new Map(page.events.flatMap((event) => event.pendingJobs.map((job) => [job, event.id])));
    const queues = EVENT_JOBS.map((def) => queueName(fence.clusterId, def.name));
    const ends = await this.jobs.ended(pool, queues, [...eventOf.keys()]);
    for (let start = 0; start < ends.length; start += this.limits.settleBatch) {
      const chunk = ends.slice(start, start + this.limits.settleBatch);
      const finished = await withFence(pool, { ...fence, action: SETTLE_ACTION }, async (client) => {
        const out: CatalogEvent[] = [];
        for (const end of chunk) {
          const event = await this.events.settleJob(
            client,
            eventOf.get(end.jobId)!,
            end.jobId,
            failureOf(end),
          );
          if (event && event.state !== 'running') out.push(event);
        }
        return out;
      });
      for (const event of finished) {
        this.options.observer?.settled?.(event);
        if (event.state === 'failed')
          this.options.logger.warn(
            { eventId: event.id, kind: event.kind, failedJobs: event.failedJobs, reason: event.reason },
            'event failed',
          );
        else this.options.logger.info({ eventId: event.id, kind: event.kind }, 'event done');
      }
    }
    return ends.length;
  }

  private async claimAndDispatch(client: PoolClient, fence: FenceContext): Promise<BatchResult> {
    // Read once per batch, and only when there is an event to plan.
    let facts: ClusterFacts | undefined;
    const claim = { clusterId: fence.clusterId, term: fence.term, nodeId: fence.nodeId, limit: 1 };
    const started = performance.now();
    const ended: Dispatched[] = [];
    let jobs = 0;
    while (
      ended.length < this.limits.batchEvents &&
      jobs < this.limits.batchJobs &&
      performance.now() - started < this.limits.batchMs
    ) {
      // Each event in its own savepoint: one that fails rolls back alone (its claim included).
      await client.query('SAVEPOINT portico_event');
      const [event] = await this.events.claimNext(client, claim);
      if (!event) {
        await client.query('RELEASE SAVEPOINT portico_event');
        return { ended, more: false };
      }
      try {
        facts ??= { ...(await this.context.load(client, fence.clusterId)), ...this.options.transcode() };
        const dispatched = await this.dispatchOne(client, event, facts, fence.term);
        await client.query('RELEASE SAVEPOINT portico_event');
        this.attempts.delete(event.id);
        ended.push(dispatched);
        jobs += dispatched.jobIds.length;
      } catch (error) {
        await client.query('ROLLBACK TO SAVEPOINT portico_event');
        const attempt = (this.attempts.get(event.id) ?? 0) + 1;
        if (!isPermanent(error) && attempt < this.limits.maxAttempts) {
          // Commit the others; this one is queued again and retried after a poll interval.
          this.attempts.set(event.id, attempt);
          return { ended, more: false, retry: { event, error, attempt } };
        }
        this.attempts.delete(event.id);
        const reason =
          `the leader could not turn it into jobs (${attempt} attempt${attempt > 1 ? 's' : ''}): ` +
          `${messageOf(error)}; request it again once the cause is fixed`;
        const failed = await this.events.failClaimable(client, event.id, fence, reason);
        if (failed) ended.push({ event: failed, jobIds: [], defs: [] });
      }
    }
    return { ended, more: true };
  }

  private async dispatchOne(
    client: PoolClient,
    event: CatalogEvent,
    facts: ClusterFacts,
    term: number,
  ): Promise<Dispatched> {
    const targets = event.kind === 'rescan' ? [] : await this.events.targetsOf(client, event);
    const plan: EventPlan = planEvent(event, targets, facts);
    switch (plan.action) {
      case 'refuse':
        return { event: await this.end(client, event, 'failed', plan.reason, term), jobIds: [], defs: [] };
      case 'rescan': {
        const reason = plan.directory
          ? `rescan of ${plan.directory} requested: the leader scans the storage now (the whole tree, ${plan.directory} included)`
          : 'rescan requested: the leader scans the storage now';
        const ended = await this.end(client, event, 'done', reason, term);
        return { event: ended, jobIds: [], defs: [], rescan: plan.directory };
      }
      case 'delete':
        return this.deleteOriginals(client, event, plan, term);
      case 'enqueue': {
        const { jobIds, defs } = await this.enqueue(client, event, plan.jobs);
        const none = plan.notes.length > 0 ? plan.notes.join('; ') : 'nothing to do: no job was needed';
        const dispatched = await this.events.markDispatched(client, event.id, term, jobIds, none);
        return { event: dispatched, jobIds, defs };
      }
    }
  }

  /** Sends the event's jobs on the transaction, one insert per job type; returns their ids. */
  private async enqueue(
    client: PoolClient,
    event: CatalogEvent,
    jobs: readonly PlannedJob[],
  ): Promise<{ jobIds: string[]; defs: EventJobDefinition[] }> {
    const groups = new Map<string, { def: EventJobDefinition; jobs: PlannedJob[] }>();
    for (const job of jobs) {
      const group = groups.get(job.def.name);
      if (group) group.jobs.push(job);
      else groups.set(job.def.name, { def: job.def, jobs: [job] });
    }
    const jobIds: string[] = [];
    for (const { def, jobs: group } of groups.values()) {
      // The producer derives a job's id from its idempotency key, so the ids are known up front.
      const queue = queueName(event.clusterId, def.name);
      const expected = group.map((job) => jobIdForKey(queue, job.key));
      const sent = await this.options.producer.sendBatch(
        eventJobDefinition(event.id, def),
        event.clusterId,
        group.map((job) => job.payload),
        { db: client },
      );
      const stray = sent.filter((id) => !expected.includes(id));
      if (stray.length > 0)
        throw new Error(
          `pg-boss stored job ids ${stray.slice(0, 3).join(', ')} in ${queue} that do not derive from the ` +
            `event's job keys; the dispatch of event ${event.id} is rolled back`,
        );
      if (sent.length < expected.length)
        this.options.logger.warn(
          { eventId: event.id, queue, existing: expected.length - sent.length },
          'jobs of the event were stored already; they are recorded on it as they are',
        );
      jobIds.push(...expected);
    }
    return { jobIds, defs: [...groups.values()].map((group) => group.def) };
  }

  /**
   * Deletes the originals from the storage and marks them removed in the catalog. The removals run
   * inside the fenced transaction: the term cannot change while it is open, so a deposed leader
   * deletes nothing. A file removed before a rollback is found missing when the event is redone.
   */
  private async deleteOriginals(
    client: PoolClient,
    event: CatalogEvent,
    plan: Extract<EventPlan, { action: 'delete' }>,
    term: number,
  ): Promise<Dispatched> {
    const removals = await removeWithin(this.options.files, plan.files, this.limits.deleteMs);
    const gone = removals.filter((removal) => removal.outcome !== undefined);
    await this.catalog.markRemoved(
      client,
      event.clusterId,
      gone.map((removal) => removal.file.fileId),
    );
    const deleted = gone.filter((removal) => removal.outcome === 'deleted').length;
    const missing = gone.length - deleted;
    const failed = removals.filter((removal) => removal.error !== undefined);
    const summary = [
      `${deleted} original${deleted === 1 ? '' : 's'} deleted from the storage`,
      ...(missing > 0 ? [`${missing} already gone`] : []),
      ...plan.notes,
    ].join('; ');
    const reason =
      failed.length > 0
        ? `could not delete ${failed
            .slice(0, 5)
            .map((removal) => `${removal.file.path} (${removal.error})`)
            .join(', ')}${failed.length > 5 ? ` and ${failed.length - 5} more` : ''}; ${summary}`
        : summary;
    const ended = await this.end(client, event, failed.length > 0 ? 'failed' : 'done', reason, term);
    return { event: ended, jobIds: [], defs: [] };
  }

  private async end(
    client: PoolClient,
    event: CatalogEvent,
    state: 'done' | 'failed',
    reason: string,
    term: number,
  ): Promise<CatalogEvent> {
    const ended = await this.events.finish(client, event.id, { state, reason, term });
    if (!ended) throw new EventClaimLostError(event.id, term);
    return ended;
  }

  private report({ event, jobIds }: Dispatched, term: number): void {
    this.options.observer?.dispatched?.(event, jobIds.length);
    const fields = { eventId: event.id, kind: event.kind, jobs: jobIds.length, state: event.state, term };
    if (event.state === 'failed')
      this.options.logger.warn({ ...fields, reason: event.reason }, 'event refused');
    else if (event.state === 'done')
      this.options.logger.info({ ...fields, reason: event.reason }, 'event done at dispatch');
    else this.options.logger.info(fields, 'event dispatched');
  }
}

/** Errors no retry of the dispatch can fix: the event fails at once. */
function isPermanent(error: unknown): boolean {
  if (error instanceof CatalogNotFoundError || error instanceof CatalogConflictError) return true;
  if (error instanceof RangeError) return true;
  return typeof error === 'object' && error !== null && (error as { permanent?: unknown }).permanent === true;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The failure settleJob records for a job's end (undefined: it succeeded). */
function failureOf(end: JobEnd): string | undefined {
  switch (end.state) {
    case 'completed':
      return undefined;
    case 'failed':
      return `failed for good: ${end.message ?? 'no error message was recorded'}`;
    case 'cancelled':
      return 'cancelled';
    case 'missing':
      return 'no longer in its queue (deleted before its end was recorded)';
  }
}
