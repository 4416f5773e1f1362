import type { PoolClient } from 'pg';

/** Nodes that stopped reporting: silent for 3 of their own telemetry intervals (database clock). */
const MARK_SILENT_NODES_OFFLINE = `
UPDATE portico.nodes
   SET status = 'Offline',
       status_reason = format('no telemetry for %s s (marked by the leader)', round(extract(epoch FROM now() - last_seen_at))),
       updated_at = now()
 WHERE cluster_id = $1
   AND status NOT IN ('Offline', 'Stopped')
   AND last_seen_at IS NOT NULL
   AND last_seen_at < now() - make_interval(secs => 3 * coalesce(telemetry_interval_seconds, 5))
RETURNING id, name`;

/** The audit of fenced writes is kept for a week. */
const PRUNE_FENCED_WRITES = `
DELETE FROM portico.fenced_writes
 WHERE cluster_id = $1 AND at < now() - interval '7 days'`;

/** The SQL of the leader's housekeeping; every call runs inside the caller's fenced transaction. */
export class HousekeepingRepository {
  async markSilentNodesOffline(
    client: PoolClient,
    clusterId: string,
  ): Promise<Array<{ id: string; name: string }>> {
    const { rows } = await client.query<{ id: string; name: string }>(MARK_SILENT_NODES_OFFLINE, [clusterId]);
    return rows;
  }

  async pruneFencedWrites(client: PoolClient, clusterId: string): Promise<number> {
    const { rowCount } = await client.query(PRUNE_FENCED_WRITES, [clusterId]);
    return rowCount ?? 0;
  }
}
