// Wiring of a LeaderElector on its own small pool, so job traffic can never starve renewals;
// every election query (connection wait included) is bounded by the timing's request timeout.
import { createPool, type DbLogger } from '@portico/db';
import { type Pool } from 'pg';

import { type MonotonicClock } from '../clock/monotonic-clock';
import { DEFAULT_ELECTION_TIMING, type ElectionTiming } from './election-timing';
import { type ElectionLogger, LeaderElector } from './leader-elector';
import { LeaseRepository } from './lease.repository';
import { NodeOfflineRepository } from './node-offline.repository';

export interface CreateLeaderElectorOptions {
  /** The cluster's database URI (through pgBouncer). */
  readonly databaseUrl: string;
  readonly clusterId: string;
  readonly nodeId: string;
  readonly workerId: string;
  readonly logger: ElectionLogger;
  readonly timing?: ElectionTiming;
  readonly clock?: MonotonicClock;
  readonly eligible?: boolean;
}

export interface ElectionRuntime {
  readonly elector: LeaderElector;
  /** The election's own pool (max 2 connections). */
  readonly pool: Pool;
  /** Stops the elector (releasing a held lease) and closes its pool. */
  close(): Promise<void>;
}

export function createElectionPool(databaseUrl: string, timing: ElectionTiming, logger?: DbLogger): Pool {
  return createPool(databaseUrl, {
    max: 2,
    applicationName: 'portico-election',
    connectionTimeoutMillis: timing.requestTimeoutMs,
    ...(logger ? { logger } : {}),
  });
}

export function createLeaderElector(options: CreateLeaderElectorOptions): ElectionRuntime {
  const timing = options.timing ?? DEFAULT_ELECTION_TIMING;
  const pool = createElectionPool(options.databaseUrl, timing, options.logger);
  const elector = new LeaderElector({
    clusterId: options.clusterId,
    nodeId: options.nodeId,
    workerId: options.workerId,
    leases: new LeaseRepository(pool, { requestTimeoutMs: timing.requestTimeoutMs }),
    offlineMarker: new NodeOfflineRepository(pool, { queryTimeoutMs: timing.requestTimeoutMs }),
    timing,
    logger: options.logger,
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.eligible !== undefined ? { eligible: options.eligible } : {}),
  });
  return {
    elector,
    pool,
    async close(): Promise<void> {
      await elector.stop();
      await pool.end();
    },
  };
}
