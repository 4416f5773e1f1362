// The lease row of a cluster in PostgreSQL. All election SQL lives here. Every time is taken
// from the database clock (clock_timestamp(), which, unlike now(), keeps moving inside a
// transaction and while a statement waits for a lock); the node's wall clock is never sent.
import { type Pool, type QueryResultRow } from 'pg';

import { inTransaction, timedQuery } from '../fencing/transaction.repository';
import { type AcquireResult, type LeaseRecord, LeaseStore, type RenewResult } from './lease-store';

export interface LeaseRepositoryOptions {
  /** Bound of every query, client side and server side; keep it shorter than the lease. */
  readonly requestTimeoutMs: number;
}

// A follower first reads the row without locking it, so that polling never queues behind the
// leader's renewals and fenced writes; only a lease that looks free is contended for.
const PEEK = `
SELECT term,
       leader_node_id,
       (expires_at <= clock_timestamp() OR leader_node_id IS NULL OR leader_worker_id = $2) AS available,
       greatest(0, extract(epoch FROM expires_at - clock_timestamp()) * 1000)::float8 AS remaining_ms
  FROM portico.cluster_leases
 WHERE cluster_id = $1`;

// Pins the row (and so the exact holder that the acquisition replaces) for the transaction.
const LOCK_PREVIOUS = `
SELECT term, leader_node_id, leader_worker_id, expires_at <= clock_timestamp() AS expired
  FROM portico.cluster_leases
 WHERE cluster_id = $1
   FOR UPDATE`;

// The acquisition itself: one statement. A new row starts at term 1; a takeover increments the
// term, and only when the lease expired, was released, or is already this worker's (a grant whose
// answer was lost on the way back).
const ACQUIRE = `
INSERT INTO portico.cluster_leases AS l
       (cluster_id, term, leader_node_id, leader_worker_id, acquired_at, renewed_at, expires_at)
VALUES ($1, 1, $2, $3, clock_timestamp(), clock_timestamp(), clock_timestamp() + $4::float8 * interval '1 millisecond')
    ON CONFLICT (cluster_id) DO UPDATE
   SET term = l.term + 1,
       leader_node_id = EXCLUDED.leader_node_id,
       leader_worker_id = EXCLUDED.leader_worker_id,
       acquired_at = EXCLUDED.acquired_at,
       renewed_at = EXCLUDED.renewed_at,
       expires_at = EXCLUDED.expires_at
 WHERE l.expires_at <= clock_timestamp()
    OR l.leader_node_id IS NULL
    OR l.leader_worker_id = EXCLUDED.leader_worker_id
RETURNING term, acquired_at, expires_at,
          (extract(epoch FROM expires_at - acquired_at) * 1000)::float8 AS lease_ms`;

const RENEW = `
UPDATE portico.cluster_leases
   SET renewed_at = clock_timestamp(),
       expires_at = greatest(expires_at, clock_timestamp() + $4::float8 * interval '1 millisecond')
 WHERE cluster_id = $1
   AND term = $2
   AND leader_worker_id = $3
   AND leader_node_id IS NOT NULL
   AND expires_at > clock_timestamp()
RETURNING (extract(epoch FROM expires_at - renewed_at) * 1000)::float8 AS lease_ms`;

const RELEASE = `
UPDATE portico.cluster_leases
   SET expires_at = least(expires_at, clock_timestamp()),
       leader_node_id = NULL
 WHERE cluster_id = $1
   AND term = $2
   AND leader_worker_id = $3
   AND leader_node_id IS NOT NULL`;

const READ = `
SELECT cluster_id, term, leader_node_id, leader_worker_id, acquired_at, renewed_at, expires_at,
       (leader_node_id IS NOT NULL AND expires_at > clock_timestamp()) AS held,
       greatest(0, extract(epoch FROM expires_at - clock_timestamp()) * 1000)::float8 AS remaining_ms
  FROM portico.cluster_leases
 WHERE cluster_id = $1`;

interface PeekRow {
  term: string;
  leader_node_id: string | null;
  available: boolean;
  remaining_ms: number;
}
interface PreviousRow {
  term: string;
  leader_node_id: string | null;
  leader_worker_id: string | null;
  expired: boolean;
}
interface GrantRow {
  term: string;
  acquired_at: Date;
  expires_at: Date;
  lease_ms: number;
}
interface ReadRow {
  cluster_id: string;
  term: string;
  leader_node_id: string | null;
  leader_worker_id: string | null;
  acquired_at: Date;
  renewed_at: Date;
  expires_at: Date;
  held: boolean;
  remaining_ms: number;
}

/** Terms are bigint in the database; they stay far below 2^53 (one per election). */
export function parseTerm(value: string | number): number {
  const term = Number(value);
  if (!Number.isSafeInteger(term) || term <= 0)
    throw new RangeError(`Invalid lease term from the database: ${value}`);
  return term;
}

function leaseMsParam(leaseMs: number): number {
  if (!Number.isInteger(leaseMs) || leaseMs <= 0)
    throw new RangeError(`leaseMs must be a positive whole number, got ${leaseMs}`);
  return leaseMs;
}

export class LeaseRepository extends LeaseStore {
  private readonly timeoutMs: number;

  constructor(
    private readonly pool: Pool,
    options: LeaseRepositoryOptions,
  ) {
    super();
    this.timeoutMs = options.requestTimeoutMs;
  }

  private async query<R extends QueryResultRow>(text: string, values: readonly unknown[]): Promise<R[]> {
    return (await this.pool.query<R>(timedQuery(text, values, this.timeoutMs))).rows;
  }

  override async acquire(
    clusterId: string,
    nodeId: string,
    workerId: string,
    leaseMs: number,
  ): Promise<AcquireResult> {
    const lease = leaseMsParam(leaseMs);
    const [peek] = await this.query<PeekRow>(PEEK, [clusterId, workerId]);
    if (peek && !peek.available) {
      return {
        granted: false,
        holderNodeId: peek.leader_node_id,
        term: parseTerm(peek.term),
        remainingMs: peek.remaining_ms,
      };
    }
    return inTransaction(
      this.pool,
      {
        queryTimeoutMs: this.timeoutMs,
        statementTimeoutMs: this.timeoutMs,
        lockTimeoutMs: this.timeoutMs,
        idleInTransactionTimeoutMs: this.timeoutMs,
      },
      async (_client, query): Promise<AcquireResult> => {
        const previous = (await query<PreviousRow>(LOCK_PREVIOUS, [clusterId])).rows[0];
        const granted = (await query<GrantRow>(ACQUIRE, [clusterId, nodeId, workerId, lease])).rows[0];
        if (!granted) {
          return {
            granted: false,
            holderNodeId: previous?.leader_node_id ?? null,
            term: previous ? parseTerm(previous.term) : null,
            remainingMs: undefined,
          };
        }
        // Only a lease that ran out on another worker means its node died or hung; a released
        // lease (leader_node_id NULL) belongs to a node that stopped cleanly.
        const replacedExpired =
          previous !== undefined &&
          previous.leader_node_id !== null &&
          previous.leader_worker_id !== workerId;
        return {
          granted: true,
          term: parseTerm(granted.term),
          leaseMs: granted.lease_ms,
          acquiredAt: granted.acquired_at,
          expiresAt: granted.expires_at,
          previousLeaderNodeId:
            replacedExpired && previous.leader_node_id !== nodeId ? previous.leader_node_id : null,
          previousTerm: previous ? parseTerm(previous.term) : null,
        };
      },
    );
  }

  override async renew(
    clusterId: string,
    term: number,
    workerId: string,
    leaseMs: number,
  ): Promise<RenewResult> {
    const [row] = await this.query<{ lease_ms: number }>(RENEW, [
      clusterId,
      term,
      workerId,
      leaseMsParam(leaseMs),
    ]);
    return row ? { status: 'ok', leaseMs: row.lease_ms } : { status: 'lost' };
  }

  override async release(clusterId: string, term: number, workerId: string): Promise<boolean> {
    const result = await this.pool.query(timedQuery(RELEASE, [clusterId, term, workerId], this.timeoutMs));
    return (result.rowCount ?? 0) > 0;
  }

  override async read(clusterId: string): Promise<LeaseRecord | null> {
    const [row] = await this.query<ReadRow>(READ, [clusterId]);
    if (!row) return null;
    return {
      clusterId: row.cluster_id,
      term: parseTerm(row.term),
      leaderNodeId: row.leader_node_id,
      leaderWorkerId: row.leader_worker_id,
      acquiredAt: row.acquired_at,
      renewedAt: row.renewed_at,
      expiresAt: row.expires_at,
      held: row.held,
      remainingMs: row.remaining_ms,
    };
  }
}
