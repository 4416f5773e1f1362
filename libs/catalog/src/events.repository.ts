// All SQL of events. The leader's side is meant to run inside its term-fenced transaction
// (withFence from @portico/cluster), together with the pg-boss sends of the event's jobs:
//
//   withFence(pool, fence, async (client) => {
//     for (const event of await events.claimNext(client, { clusterId, term, nodeId, limit })) {
//       const jobIds = await enqueueJobsOf(event, client);      // pg-boss send with { db: client }
//       await events.markDispatched(client, event.id, term, jobIds);
//     }
//   });
//
// Claim, jobs and dispatch commit together or not at all, and the fence refuses the whole
// transaction once a newer term exists — so each event becomes jobs exactly once across leader
// changes. A claim that committed without its dispatch (a caller that splits the two) stays
// claimable by any newer term.
import { randomUUID } from 'node:crypto';

import { ASSET_COLUMNS, FILE_COLUMNS, FILES_FROM } from './catalog.repository';
import { type AssetRow, type EventRow, type FileRow, toAsset, toEvent, toFile } from './catalog-rows';
import { EventClaimLostError } from './errors';
import type { Asset, CatalogFile, CatalogPage } from './model/catalog-model';
import { isSeqCursor, pageOf } from './model/cursor';
import type { CatalogEvent, EventKind, EventState, NewEvent } from './model/events';
import type { SqlClient } from './sql-client';

/** Every query names the table `e`. */
const EVENT_COLUMNS = `e.id, e.seq::text AS seq, e.cluster_id, e.kind, e.asset_ids, e.file_ids, e.parameters, e.state,
  e.reason, e.claimed_term::text AS claimed_term, e.claimed_by, e.claimed_at, e.dispatched_at, e.pending_jobs,
  e.failed_jobs, e.created_by, e.created_at, e.updated_at`;

const CLAIM_NEXT = `
WITH next AS (
  SELECT id FROM portico.events
   WHERE cluster_id = $1
     AND (state = 'queued' OR (state = 'running' AND dispatched_at IS NULL AND claimed_term < $2))
   ORDER BY seq
   LIMIT $4
     FOR UPDATE SKIP LOCKED
)
UPDATE portico.events e
   SET state = 'running', claimed_term = $2, claimed_by = $3, claimed_at = now(), updated_at = now()
 WHERE e.id = ANY (ARRAY(SELECT id FROM next))
RETURNING ${EVENT_COLUMNS}`;

// An event with no jobs to run (e.g. all its targets were gone) is done at dispatch.
const MARK_DISPATCHED = `
UPDATE portico.events e
   SET dispatched_at = now(),
       pending_jobs = $3::uuid[],
       state = CASE WHEN cardinality($3::uuid[]) = 0 THEN 'done' ELSE 'running' END,
       reason = CASE WHEN cardinality($3::uuid[]) = 0 THEN $4::text ELSE e.reason END,
       updated_at = now()
 WHERE e.id = $1 AND e.state = 'running' AND e.claimed_term = $2 AND e.dispatched_at IS NULL
RETURNING ${EVENT_COLUMNS}`;

// Idempotent: a job already settled (or an event already ended) changes nothing.
const SETTLE_JOB = `
UPDATE portico.events e
   SET pending_jobs = array_remove(e.pending_jobs, $2::uuid),
       failed_jobs = e.failed_jobs + CASE WHEN $3::text IS NULL THEN 0 ELSE 1 END,
       reason = CASE WHEN $3::text IS NOT NULL AND e.reason IS NULL THEN $3::text ELSE e.reason END,
       state = CASE
         WHEN cardinality(array_remove(e.pending_jobs, $2::uuid)) > 0 THEN e.state
         WHEN e.failed_jobs > 0 OR $3::text IS NOT NULL THEN 'failed'
         ELSE 'done' END,
       updated_at = now()
 WHERE e.id = $1 AND e.state = 'running' AND $2::uuid = ANY (e.pending_jobs)
RETURNING ${EVENT_COLUMNS}`;

// The assets an event names, directly or through one of their files (of the event's cluster only).
const TARGET_ASSETS = `
SELECT a.id FROM portico.assets a WHERE a.cluster_id = $1 AND a.id = ANY ($2::uuid[])
UNION
SELECT f.asset_id FROM portico.files f WHERE f.cluster_id = $1 AND f.id = ANY ($3::uuid[])`;

export interface EventListQuery {
  readonly clusterId: string;
  readonly state?: EventState;
  readonly kind?: EventKind;
  readonly cursor?: string;
  /** 1..1000. */
  readonly limit: number;
}

export interface ClaimRequest {
  readonly clusterId: string;
  /** The caller's current leader term (the fence's). */
  readonly term: number;
  /** The leader's node id, recorded as claimed_by. */
  readonly nodeId: string;
  /** At most this many events, oldest first. */
  readonly limit: number;
}

export class EventsRepository {
  async create(db: SqlClient, event: NewEvent): Promise<CatalogEvent> {
    const { rows } = await db.query<EventRow>(
      `INSERT INTO portico.events AS e (id, cluster_id, kind, asset_ids, file_ids, parameters, created_by)
       VALUES ($1, $2, $3, $4::uuid[], $5::uuid[], $6::jsonb, $7)
       RETURNING ${EVENT_COLUMNS}`,
      [
        event.id ?? randomUUID(),
        event.clusterId,
        event.kind,
        [...(event.assetIds ?? [])],
        [...(event.fileIds ?? [])],
        JSON.stringify(event.parameters ?? {}),
        event.createdBy ?? null,
      ],
    );
    return toEvent(rows[0]!);
  }

  /** An event by id; any cluster when clusterId is omitted. */
  async get(db: SqlClient, eventId: string, clusterId?: string): Promise<CatalogEvent | undefined> {
    const { rows } = await db.query<EventRow>(
      `SELECT ${EVENT_COLUMNS} FROM portico.events e WHERE e.id = $1 AND ($2::uuid IS NULL OR e.cluster_id = $2)`,
      [eventId, clusterId ?? null],
    );
    return rows[0] ? toEvent(rows[0]) : undefined;
  }

  /** A cluster's events, newest first, keyset-paged. */
  async list(db: SqlClient, query: EventListQuery): Promise<CatalogPage<CatalogEvent>> {
    if (!Number.isInteger(query.limit) || query.limit < 1 || query.limit > 1000)
      throw new RangeError(`page limit must be 1..1000, got ${query.limit}`);
    if (query.cursor !== undefined && !isSeqCursor(query.cursor))
      throw new RangeError(`cursor "${query.cursor.slice(0, 40)}" is not one this list returned`);
    const { rows } = await db.query<EventRow>(
      `SELECT ${EVENT_COLUMNS} FROM portico.events e
        WHERE e.cluster_id = $1
          AND ($2::text IS NULL OR e.state = $2)
          AND ($3::text IS NULL OR e.kind = $3)
          AND ($4::bigint IS NULL OR e.seq < $4)
        ORDER BY e.seq DESC
        LIMIT $5`,
      [query.clusterId, query.state ?? null, query.kind ?? null, query.cursor ?? null, query.limit + 1],
    );
    return pageOf(rows, query.limit, toEvent);
  }

  /**
   * The assets an event targets (named, or owning a named file) with all their files (removed
   * ones included), for the leader turning it into jobs. Ids that are not in the event's cluster
   * are simply absent.
   */
  async targetsOf(
    db: SqlClient,
    event: Pick<CatalogEvent, 'clusterId' | 'assetIds' | 'fileIds'>,
  ): Promise<Array<{ asset: Asset; files: CatalogFile[] }>> {
    if (event.assetIds.length === 0 && event.fileIds.length === 0) return [];
    const values = [event.clusterId, [...event.assetIds], [...event.fileIds]];
    const assets = await db.query<AssetRow>(
      `SELECT ${ASSET_COLUMNS} FROM portico.assets a WHERE a.id IN (${TARGET_ASSETS}) ORDER BY a.seq`,
      values,
    );
    if (assets.rows.length === 0) return [];
    const files = await db.query<FileRow>(
      `SELECT ${FILE_COLUMNS} FROM ${FILES_FROM} WHERE f.asset_id IN (${TARGET_ASSETS}) ORDER BY f.seq`,
      values,
    );
    const all = files.rows.map(toFile);
    return assets.rows.map((row) => ({
      asset: toAsset(row),
      files: all.filter((file) => file.assetId === row.id),
    }));
  }

  /**
   * Claims the oldest claimable events for `term`: queued ones, and claims of an older term that
   * were never dispatched. Run it in the fenced transaction that also enqueues their jobs and
   * calls markDispatched. Events come back oldest first.
   */
  async claimNext(db: SqlClient, request: ClaimRequest): Promise<CatalogEvent[]> {
    if (!Number.isInteger(request.limit) || request.limit < 1 || request.limit > 1000)
      throw new RangeError(`claim limit must be 1..1000, got ${request.limit}`);
    const { rows } = await db.query<EventRow>(CLAIM_NEXT, [
      request.clusterId,
      request.term,
      request.nodeId,
      request.limit,
    ]);
    return rows.sort((a, b) => Number(BigInt(a.seq) - BigInt(b.seq))).map(toEvent);
  }

  /**
   * Records the jobs an event became (the ids pg-boss returned). The event stays running until
   * each job is settled; with no jobs it is done at once (`reasonIfNone` says why). Throws
   * EventClaimLostError — roll back — unless `term` claimed it and it is not dispatched yet.
   */
  async markDispatched(
    db: SqlClient,
    eventId: string,
    term: number,
    jobIds: readonly string[],
    reasonIfNone = 'nothing to do: no job was needed',
  ): Promise<CatalogEvent> {
    const { rows } = await db.query<EventRow>(MARK_DISPATCHED, [
      eventId,
      term,
      [...new Set(jobIds)],
      reasonIfNone,
    ]);
    if (!rows[0]) throw new EventClaimLostError(eventId, term);
    return toEvent(rows[0]);
  }

  /**
   * One of the event's jobs finished (ok) or failed for good (`failure` says why). When the last
   * one settles, the event is done, or failed with the first failure's reason. Idempotent:
   * undefined when the job was settled already or the event is not running.
   */
  async settleJob(
    db: SqlClient,
    eventId: string,
    jobId: string,
    failure?: string,
  ): Promise<CatalogEvent | undefined> {
    const { rows } = await db.query<EventRow>(SETTLE_JOB, [
      eventId,
      jobId,
      failure === undefined ? null : `job ${jobId}: ${failure}`,
    ]);
    return rows[0] ? toEvent(rows[0]) : undefined;
  }

  /**
   * Claims one claimable event (queued, or an older term's undispatched claim) for `term` and
   * ends it failed at once, in one statement: for an event the leader gave up on (its dispatch
   * kept failing). Undefined when it is not claimable by `term` any more.
   */
  async failClaimable(
    db: SqlClient,
    eventId: string,
    claim: Pick<ClaimRequest, 'term' | 'nodeId'>,
    reason: string,
  ): Promise<CatalogEvent | undefined> {
    const { rows } = await db.query<EventRow>(
      `UPDATE portico.events e
          SET state = 'failed', reason = $4, claimed_term = $2, claimed_by = $3, claimed_at = now(),
              dispatched_at = now(), updated_at = now()
        WHERE e.id = $1
          AND (e.state = 'queued' OR (e.state = 'running' AND e.dispatched_at IS NULL AND e.claimed_term < $2))
      RETURNING ${EVENT_COLUMNS}`,
      [eventId, claim.term, claim.nodeId, reason],
    );
    return rows[0] ? toEvent(rows[0]) : undefined;
  }

  /**
   * Ends a running event directly (work the leader did itself, or a request it refuses). With
   * `term`, only a claim of that term is ended. Undefined when the event is not running (or not
   * this term's).
   */
  async finish(
    db: SqlClient,
    eventId: string,
    outcome: { state: Extract<EventState, 'done' | 'failed'>; reason?: string | null; term?: number },
  ): Promise<CatalogEvent | undefined> {
    const { rows } = await db.query<EventRow>(
      `UPDATE portico.events e
          SET state = $2, reason = $3, dispatched_at = coalesce(e.dispatched_at, now()),
              pending_jobs = CASE WHEN e.pending_jobs IS NULL THEN NULL ELSE '{}'::uuid[] END, updated_at = now()
        WHERE e.id = $1 AND e.state = 'running' AND ($4::bigint IS NULL OR e.claimed_term = $4)
      RETURNING ${EVENT_COLUMNS}`,
      [eventId, outcome.state, outcome.reason ?? null, outcome.term ?? null],
    );
    return rows[0] ? toEvent(rows[0]) : undefined;
  }
}
