import { Inject, Injectable } from '@nestjs/common';
import type { NodeStatus } from '@portico/control-plane-client';
import { Pool } from 'pg';
import { CP_DB } from '../injection';
import type { StatusInput, StatusNode } from './cluster-status';

/** All SQL of the cluster status: the cluster with its lease and the database clock, and its nodes. */
@Injectable()
export class StatusRepository {
  constructor(@Inject(CP_DB) private readonly pool: Pool) {}

  /** What deriveClusterStatus needs, or undefined when the cluster does not exist. */
  async load(clusterId: string): Promise<StatusInput | undefined> {
    const { rows } = await this.pool.query<{
      id: string;
      name: string;
      now: Date;
      term: string | null;
      leader_node_id: string | null;
      leader_worker_id: string | null;
      expires_at: Date | null;
    }>(
      `SELECT c.id, c.name, now() AS now, l.term, l.leader_node_id, l.leader_worker_id, l.expires_at
         FROM portico.clusters c LEFT JOIN portico.cluster_leases l ON l.cluster_id = c.id
        WHERE c.id = $1`,
      [clusterId],
    );
    const cluster = rows[0];
    if (!cluster) return undefined;
    const { rows: nodes } = await this.pool.query<{
      id: string;
      name: string;
      roles: StatusNode['roles'];
      status: NodeStatus;
      status_reason: string | null;
      last_seen_at: Date | null;
      telemetry_interval_seconds: number | null;
      worker_id: string | null;
      version: string | null;
    }>(
      `SELECT id, name, roles, status, status_reason, last_seen_at, telemetry_interval_seconds, worker_id,
              last_telemetry ->> 'version' AS version
         FROM portico.nodes WHERE cluster_id = $1 ORDER BY name, id`,
      [clusterId],
    );
    return {
      cluster: { id: cluster.id, name: cluster.name },
      now: cluster.now,
      lease:
        cluster.term !== null && cluster.expires_at !== null
          ? {
              term: Number(cluster.term),
              leaderNodeId: cluster.leader_node_id,
              leaderWorkerId: cluster.leader_worker_id,
              expiresAt: cluster.expires_at,
            }
          : null,
      nodes: nodes.map((row) => ({
        id: row.id,
        name: row.name,
        roles: row.roles,
        status: row.status,
        statusReason: row.status_reason,
        lastSeenAt: row.last_seen_at,
        telemetryIntervalSeconds: row.telemetry_interval_seconds,
        workerId: row.worker_id,
        version: row.version,
      })),
    };
  }
}
