import { Inject, Injectable } from '@nestjs/common';
import type { TelemetryAck, TelemetryReport } from '@portico/control-plane-client';
import { Pool } from 'pg';
import { inTransaction } from '../common/database.repository';
import { NotFoundError } from '../common/api-errors';
import { CP_DB } from '../injection';
import { selfVersion } from '../nodes/node-names';
import { MISSED_INTERVALS, deriveReportedStatus } from './node-status';

export interface NodeMarkedOffline {
  readonly nodeId: string;
  readonly clusterId: string;
  readonly name: string;
  readonly statusReason: string;
}

/** All SQL of telemetry: worker instances, the node's reported state, and the offline sweep. */
@Injectable()
export class TelemetryRepository {
  constructor(@Inject(CP_DB) private readonly pool: Pool) {}

  /**
   * Records one report in one transaction, on the database clock. The node row is locked first,
   * so that reports of two instances of one node are serialised and each sees the other.
   */
  async record(report: TelemetryReport): Promise<TelemetryAck> {
    return inTransaction(this.pool, async (client) => {
      const { rows: locked } = await client.query<{
        previous_interval: number | null;
        cluster_version: string;
        node_version: string;
      }>(
        `SELECT n.telemetry_interval_seconds AS previous_interval,
                c.settings_version AS cluster_version, n.settings_version AS node_version
           FROM portico.nodes n JOIN portico.clusters c ON c.id = n.cluster_id
          WHERE n.id = $1
          FOR UPDATE OF n`,
        [report.nodeId],
      );
      const node = locked[0];
      if (!node) throw new NotFoundError(`node ${report.nodeId} not found`);
      const stopped = report.status === 'Stopped';

      await client.query(
        `INSERT INTO portico.node_instances (node_id, worker_id, app, hostname, started_at, last_seen_at, stopped_at)
         VALUES ($1, $2, $3, $4, now(), now(), CASE WHEN $5::boolean THEN now() END)
         ON CONFLICT (node_id, worker_id) DO UPDATE
           SET app = EXCLUDED.app, hostname = EXCLUDED.hostname, last_seen_at = now(),
               stopped_at = CASE WHEN $5::boolean THEN now() END`,
        [report.nodeId, report.workerId, report.app, report.host.hostname, stopped],
      );

      // "Live" = not stopped and reported within MISSED_INTERVALS of its interval. Instances do not
      // store their interval; the node's is the last reporter's, which is the other instance's
      // whenever two alternate. An instance silent for longer is dead (a crash before a restart),
      // not a duplicate.
      const windowSeconds = MISSED_INTERVALS * (node.previous_interval ?? report.intervalSeconds);
      const { rows: others } = await client.query<{ worker_id: string }>(
        `SELECT worker_id FROM portico.node_instances
          WHERE node_id = $1 AND worker_id <> $2 AND stopped_at IS NULL
            AND last_seen_at >= now() - make_interval(secs => $3::float8)
          ORDER BY last_seen_at DESC`,
        [report.nodeId, report.workerId, windowSeconds],
      );
      const derived = deriveReportedStatus(
        report,
        others.map((row) => row.worker_id),
      );

      await client.query(
        `UPDATE portico.nodes
            SET last_seen_at = now(), worker_id = $2, last_telemetry = $3::jsonb,
                telemetry_interval_seconds = $4, status = $5, status_reason = $6,
                app = $7, hostname = $8, updated_at = now()
          WHERE id = $1`,
        [
          report.nodeId,
          report.workerId,
          JSON.stringify(report),
          report.intervalSeconds,
          derived.status,
          derived.statusReason,
          report.app,
          report.host.hostname,
        ],
      );
      return {
        status: derived.status,
        statusReason: derived.statusReason,
        version: selfVersion(Number(node.cluster_version), Number(node.node_version)),
      };
    });
  }

  /**
   * Marks Offline every node that reported before but has been silent for MISSED_INTERVALS of
   * its reporting interval, on the database clock. One idempotent UPDATE: several control-plane
   * replicas may run it at once, and each node is flipped (and returned) by exactly one of them.
   * Nodes that never reported are Offline already; cleanly Stopped nodes stay Stopped.
   */
  async sweepOffline(): Promise<NodeMarkedOffline[]> {
    const { rows } = await this.pool.query<{
      id: string;
      cluster_id: string;
      name: string;
      status_reason: string;
    }>(
      `UPDATE portico.nodes
          SET status = 'Offline',
              status_reason = 'no telemetry for ' || floor(extract(epoch FROM now() - last_seen_at))::bigint || 's',
              updated_at = now()
        WHERE status NOT IN ('Offline', 'Stopped')
          AND last_seen_at IS NOT NULL AND telemetry_interval_seconds IS NOT NULL
          AND last_seen_at < now() - make_interval(secs => $1::float8 * telemetry_interval_seconds)
      RETURNING id, cluster_id, name, status_reason`,
      [MISSED_INTERVALS],
    );
    return rows.map((row) => ({
      nodeId: row.id,
      clusterId: row.cluster_id,
      name: row.name,
      statusReason: row.status_reason,
    }));
  }
}
