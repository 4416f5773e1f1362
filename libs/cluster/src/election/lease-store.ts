// The port to the lease row of a cluster. Every time in it comes from the database clock; the
// only durations handed back (leaseMs, remainingMs) are differences the database computed.

export interface LeaseGrant {
  readonly granted: true;
  /** Strictly greater than every term granted before in this cluster. */
  readonly term: number;
  readonly leaseMs: number;
  readonly acquiredAt: Date;
  readonly expiresAt: Date;
  /** The other node whose expired lease this acquisition replaced (to be marked Offline), else null. */
  readonly previousLeaderNodeId: string | null;
  readonly previousTerm: number | null;
}

export interface LeaseDenied {
  readonly granted: false;
  readonly holderNodeId: string | null;
  readonly term: number | null;
  /** Time left on the holder's lease by the database clock, when known. */
  readonly remainingMs: number | undefined;
}

export type AcquireResult = LeaseGrant | LeaseDenied;

export type RenewResult = { readonly status: 'ok'; readonly leaseMs: number } | { readonly status: 'lost' };

export interface LeaseRecord {
  readonly clusterId: string;
  readonly term: number;
  readonly leaderNodeId: string | null;
  readonly leaderWorkerId: string | null;
  readonly acquiredAt: Date;
  readonly renewedAt: Date;
  readonly expiresAt: Date;
  /** A leader holds it and it has not expired, by the database clock. */
  readonly held: boolean;
  /** Time left by the database clock (0 once expired). */
  readonly remainingMs: number;
}

export abstract class LeaseStore {
  /** Takes the lease if it is free, expired or already this worker's; a grant always carries a new term. */
  abstract acquire(
    clusterId: string,
    nodeId: string,
    workerId: string,
    leaseMs: number,
  ): Promise<AcquireResult>;
  /** Extends the lease only if this worker still holds `term` and it has not expired. */
  abstract renew(clusterId: string, term: number, workerId: string, leaseMs: number): Promise<RenewResult>;
  /** Ends the lease now (keeping its term) so a follower can take over at once; false if it was not held. */
  abstract release(clusterId: string, term: number, workerId: string): Promise<boolean>;
  abstract read(clusterId: string): Promise<LeaseRecord | null>;
}
